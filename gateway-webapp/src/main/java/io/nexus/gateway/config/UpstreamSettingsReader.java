package io.nexus.gateway.config;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Reads one entry of {@code nexus.upstreams}, already merged over {@code nexus.upstream-defaults}:
 * its targets, timeouts and pools, {@code health-check}, {@code circuit-breaker} and {@code retries}.
 */
final class UpstreamSettingsReader {

    static final int MAX_RESPONSE_HEADER_SIZE = 12 * 1024;

    private UpstreamSettingsReader() {
    }

    static UpstreamSettings read(String name, Section s) {
        List<TargetSettings> targets = new ArrayList<>();
        List<ConfigValue> values = s.list("targets");
        if (values.isEmpty() && s.has("targets")) {
            s.problem("targets", "needs at least one target");
        }
        for (int i = 0; i < values.size(); i++) {
            target(s, i, values.get(i)).ifPresent(targets::add);
        }
        String balancerName = s.string("balancer");
        BalancerKind balancer = balancerName == null ? BalancerKind.ROUND_ROBIN : BalancerKind.fromConfigName(balancerName);
        if (balancer == null) {
            s.problem("balancer", "unknown balancer \"" + balancerName + "\" (round-robin, random, weighted-round-robin, least-request, p2c-ewma)");
            balancer = BalancerKind.ROUND_ROBIN;
        }
        return new UpstreamSettings(name, targets, balancer,
            s.duration("connect-timeout", Duration.ofMillis(1)),
            s.duration("idle-timeout", Duration.ofMillis(1)),
            s.duration("request-timeout", Duration.ofMillis(1)),
            s.intBetween("max-connections-per-target", 1, 100_000),
            s.intBetween("max-idle-connections-per-target", 0, 100_000),
            maxResponseHeaderSize(s),
            maxRequests(s),
            s.intBetween("max-pending-requests", 0, 1_000_000),
            s.duration("queue-timeout", Duration.ZERO),
            statuses(s, "failure-statuses", 500),
            healthCheck(s.section("health-check")),
            circuitBreaker(s.section("circuit-breaker")),
            protocol(s, targets),
            UpstreamTlsSettingsReader.read(s.section("tls")),
            RetrySettingsReader.read(s.section("retries")));
    }

    /** {@code h2} needs https targets (ALPN), {@code h2c} http ones (no TLS). */
    private static UpstreamProtocol protocol(Section s, List<TargetSettings> targets) {
        String name = s.string("protocol");
        UpstreamProtocol protocol = name == null ? UpstreamProtocol.HTTP1 : UpstreamProtocol.fromConfigName(name);
        if (protocol == null) {
            s.problem("protocol", "unknown protocol \"" + name + "\" (http1, h2c, h2, auto)");
            return UpstreamProtocol.HTTP1;
        }
        String needed = protocol == UpstreamProtocol.H2 ? "https" : protocol == UpstreamProtocol.H2C ? "http" : null;
        for (TargetSettings target : targets) {
            if (needed != null && !needed.equals(target.url().getScheme())) {
                s.problem("protocol", protocol.configName() + " needs " + needed + " targets, not " + target.url());
                break;
            }
        }
        return protocol;
    }

    /** A URL string, or {@code { url = ..., weight = ... }}; both over reference.conf's target template. */
    private static Optional<TargetSettings> target(Section upstream, int index, ConfigValue value) {
        String label = upstream.keyPath("targets[" + index + "]");
        List<ConfigProblem> problems = new ArrayList<>();
        String url = null;
        int weight = 0;
        ConfigObject object = value.valueType() == ConfigValueType.STRING ? ConfigFactory.empty().withValue("url", value).root()
            : value instanceof ConfigObject given ? given : null;
        if (object == null) {
            problems.add(ConfigProblem.at(label, "must be a URL string or { url = ..., weight = ... }", value.origin()));
        } else {
            Section target = Section.merged(object, ReferenceConfig.blockDefaults("target"), label, problems);
            url = target.string("url");
            weight = target.intBetween("weight", 1, 1000);
            target.finish();
        }
        URI uri = url == null ? null : targetUri(url);
        if (url != null && uri == null) {
            problems.add(ConfigProblem.at(label, "bad URL \"" + url + "\": needs http:// or https://, a host, and no query or fragment", value.origin()));
        }
        if (!problems.isEmpty()) {
            problems.forEach(p -> upstream.problem("targets", p.key().substring(upstream.label().length() + 1) + ": " + p.message()));
            return Optional.empty();
        }
        return Optional.of(new TargetSettings(uri, weight));
    }

    private static URI targetUri(String url) {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            boolean ok = (scheme.equals("http") || scheme.equals("https"))
                && uri.getHost() != null && uri.getRawQuery() == null && uri.getRawFragment() == null
                && uri.getRawUserInfo() == null;
            if (!ok) {
                return null;
            }
            String path = uri.getRawPath() == null || uri.getRawPath().equals("/") ? "" : uri.getRawPath();
            if (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            return new URI(scheme + "://" + uri.getRawAuthority() + path);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /**
     * At most {@value #MAX_RESPONSE_HEADER_SIZE} bytes: the launcher's server writes response
     * heads up to 16 KiB, and the gateway adds headers of its own.
     */
    private static int maxResponseHeaderSize(Section s) {
        long size = s.bytes("max-response-header-size", 1024);
        if (size > MAX_RESPONSE_HEADER_SIZE) {
            s.problem("max-response-header-size", "must be at most 12KiB, was " + size + " bytes");
        }
        return (int) Math.min(size, MAX_RESPONSE_HEADER_SIZE);
    }

    /** {@code auto} (0: targets x max-connections-per-target, so that every admitted request has a connection) or a number. */
    private static int maxRequests(Section s) {
        if ("auto".equals(s.string("max-requests"))) {
            return 0;
        }
        return s.intBetween("max-requests", 1, 1_000_000);
    }

    /** A list of HTTP statuses between {@code min} and 599; a bad entry is a problem at {@code key}. */
    private static Set<Integer> statuses(Section section, String key, int min) {
        Set<Integer> statuses = new LinkedHashSet<>();
        for (String status : section.stringList(key)) {
            try {
                int code = Integer.parseInt(status.trim());
                if (code < min || code > 599) {
                    throw new NumberFormatException();
                }
                statuses.add(code);
            } catch (NumberFormatException e) {
                section.problem(key, "bad status \"" + status + "\" (" + min + " to 599)");
            }
        }
        return statuses;
    }

    private static HealthCheckSettings healthCheck(Section section) {
        Section active = section.section("active");
        Set<Integer> statuses = statuses(active, "expected-statuses", 100);
        if (statuses.isEmpty() && active.has("expected-statuses")) {
            active.problem("expected-statuses", "needs at least one status");
        }
        String path = active.string("path");
        if (path != null && !path.startsWith("/")) {
            active.problem("path", "must start with /");
        }
        HealthCheckSettings.Active activeSettings = new HealthCheckSettings.Active(
            active.bool("enabled"),
            path,
            active.duration("interval", Duration.ofMillis(100)),
            active.duration("timeout", Duration.ofMillis(10)),
            statuses,
            active.intBetween("healthy-threshold", 1, 100),
            active.intBetween("unhealthy-threshold", 1, 100));
        Section passive = section.section("passive");
        HealthCheckSettings.Passive passiveSettings = new HealthCheckSettings.Passive(
            passive.bool("enabled"),
            passive.intBetween("consecutive-failures", 1, 1000),
            passive.duration("ejection-time", Duration.ofMillis(10)),
            passive.duration("max-ejection-time", Duration.ofMillis(10)),
            passive.intBetween("max-ejection-percent", 0, 100));
        return new HealthCheckSettings(activeSettings, passiveSettings);
    }

    private static CircuitBreakerSettings circuitBreaker(Section s) {
        return new CircuitBreakerSettings(
            s.bool("enabled"),
            s.intBetween("failure-rate-threshold", 1, 100),
            s.intBetween("slow-call-rate-threshold", 1, 100),
            s.duration("slow-call-duration", Duration.ofMillis(1)),
            s.intBetween("sliding-window-size", 1, 100_000),
            s.intBetween("minimum-calls", 1, 100_000),
            s.duration("wait-in-open", Duration.ofMillis(1)),
            s.intBetween("permitted-calls-in-half-open", 1, 1000));
    }
}
