package io.nexus.gateway.config;

import java.net.URI;

/** One upstream target: a base URL ({@code http://host:port[/base-path]}) and its weight. */
public record TargetSettings(URI url, int weight) {
}
