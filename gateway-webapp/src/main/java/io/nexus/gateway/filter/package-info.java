/** The middleware chain: servlet filters, each inside a guard, around one exchange per request. */
package io.nexus.gateway.filter;
