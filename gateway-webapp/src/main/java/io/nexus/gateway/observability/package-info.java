/** Prometheus metrics: registered once per gateway, label children resolved off the hot path. */
package io.nexus.gateway.observability;
