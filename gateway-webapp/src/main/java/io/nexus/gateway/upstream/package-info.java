/** Upstreams: targets with health flags, balancers that pick among the healthy, one HTTP client each, kept across reloads by their registry while their settings stay the same. */
package io.nexus.gateway.upstream;
