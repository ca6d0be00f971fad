package io.nexus.gateway.upstream;

import io.nexus.gateway.config.CircuitBreakerSettings;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * What an upstream has learnt and a reload must not forget: its circuit breaker (kept while its
 * settings stay the same) and its targets' health and ejections (kept per target URL). Without
 * this, reloading during an outage would close every breaker and readmit every ejected target.
 */
public final class UpstreamStates {

    private final Map<String, UpstreamBreaker> breakers = new ConcurrentHashMap<>();
    private final Map<String, Target> targets = new ConcurrentHashMap<>();
    private final Consumer<UpstreamBreaker.Transition> onTransition;

    public UpstreamStates(Consumer<UpstreamBreaker.Transition> onTransition) {
        this.onTransition = onTransition;
    }

    /** The upstream's breaker: the existing one when its settings are unchanged, else a new one. */
    public UpstreamBreaker breaker(String upstream, CircuitBreakerSettings settings) {
        return breakers.compute(upstream, (name, existing) ->
            existing != null && existing.settings().equals(settings) ? existing : new UpstreamBreaker(name, settings, onTransition));
    }

    /** A target of this config version, inheriting the health of the same URL in the last one. */
    public Target target(String upstream, java.net.URI url, int weight) {
        Target target = new Target(url, weight);
        Target older = targets.put(upstream + " " + url, target);
        if (older != null) {
            target.inheritHealth(older);
        }
        return target;
    }

    /** Forgets upstreams and targets that the live config no longer has. */
    public void retainOnly(Set<String> upstreams, Set<String> targetKeys) {
        breakers.keySet().retainAll(upstreams);
        targets.keySet().retainAll(targetKeys);
    }

    public static String targetKey(String upstream, java.net.URI url) {
        return upstream + " " + url;
    }
}
