/** The admin surface: probes, metrics and the bearer-token API, on the admin port or under the WAR's reserved prefix. */
package io.nexus.gateway.admin;
