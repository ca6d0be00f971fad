/** Upstreams: targets with health flags, balancers that pick among the healthy, and one HTTP client each. */
package io.nexus.gateway.upstream;
