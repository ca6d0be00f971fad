/** The errors the gateway itself answers with, as the contract's JSON. */
package io.nexus.gateway.error;
