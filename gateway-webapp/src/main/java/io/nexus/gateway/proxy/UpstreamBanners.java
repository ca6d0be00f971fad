package io.nexus.gateway.proxy;

import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The upstream response headers that name the software behind the gateway ({@code Server:
 * nginx/1.22.1}, {@code X-Powered-By: Express}): a scanner reports them and an attacker picks
 * exploits by them, so they stop at the gateway unless the route's
 * {@code keep-upstream-server-header} lets them through.
 */
final class UpstreamBanners {

    private UpstreamBanners() {
    }

    static boolean isBanner(HttpField field) {
        // By name: a field decoded without its HttpHeader constant (an unusual case spelling) counts too.
        return field.is(HttpHeader.SERVER.asString()) || field.is(HttpHeader.X_POWERED_BY.asString());
    }
}
