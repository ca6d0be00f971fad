/** The per-route middleware SPI and chain: a registry of named factories with priorities, their lifecycle, and the fault middleware. */
package io.nexus.gateway.middleware;
