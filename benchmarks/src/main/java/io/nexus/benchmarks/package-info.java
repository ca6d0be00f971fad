/** JMH microbenchmarks of the request path's hot spots: route lookup, balancer pick and rate-limiter acquire. */
package io.nexus.benchmarks;
