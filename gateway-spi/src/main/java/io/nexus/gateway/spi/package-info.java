/** The plugin SPI: what a jar implements to add a middleware to the gateway, and what the gateway hands it (settings, a route, counters). */
package io.nexus.gateway.spi;
