/** Forwarding: one pre-built subclass of Jetty's async proxy servlet, targets chosen per request by route and balancer. */
package io.nexus.gateway.proxy;
