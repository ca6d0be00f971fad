/** Integration tests that deploy nexus-gateway.war in a stock Jetty distribution and drive it over HTTP. */
package io.nexus.gateway.war;
