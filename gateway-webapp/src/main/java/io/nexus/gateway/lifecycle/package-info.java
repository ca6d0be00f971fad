/** The running gateway: its snapshot, admission control and readiness, and the wiring into a servlet context. */
package io.nexus.gateway.lifecycle;
