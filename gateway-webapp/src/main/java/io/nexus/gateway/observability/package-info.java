/** Metrics, the sampled access log and trace context: set up once per gateway, cheap on the request path. */
package io.nexus.gateway.observability;
