/** The errors the gateway itself answers with, as the contract's JSON, and the guard that turns any throwable into the 500 {@code internal}. */
package io.nexus.gateway.error;
