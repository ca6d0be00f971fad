/** Per-route rate limiting: a sharded sliding-window-counter limiter, its keys (client address behind trusted proxies, a header, the subject, the route) and its middleware. */
package io.nexus.gateway.ratelimit;
