/** Adaptive concurrency: an admission limit that follows measured latency (Netflix concurrency-limits), fed one sample per admitted request. */
package io.nexus.gateway.concurrency;
