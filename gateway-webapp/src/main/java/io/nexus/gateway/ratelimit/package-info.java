/** Per-route rate limiting: a sharded sliding-window-counter limiter, the same counter in Redis for limits shared by the fleet (with the local one as fallback), its keys (client address behind trusted proxies, a header, the subject, the route) and its middleware. */
package io.nexus.gateway.ratelimit;
