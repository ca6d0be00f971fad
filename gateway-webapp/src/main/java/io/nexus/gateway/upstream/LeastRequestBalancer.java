package io.nexus.gateway.upstream;

import java.util.List;

/**
 * {@code least-request}: of two targets drawn by weight, the one with fewer attempts in flight
 * per unit of weight (Envoy's and nginx's "least connections" idea, on requests). A target
 * twice as heavy may carry twice the requests before it looks as busy.
 */
final class LeastRequestBalancer extends PowerOfTwoChoicesBalancer {

    LeastRequestBalancer(List<Target> targets) {
        super(targets);
    }

    @Override
    double load(Target target, long nowNanos) {
        return target.inflight() / (double) target.weight();
    }
}
