/** One config version made runnable (routes, upstreams, middlewares) and the current one, published whole and retired after its last request. */
package io.nexus.gateway.snapshot;
