package io.nexus.gateway.upstream;

import java.util.List;

/**
 * {@code p2c-ewma}: of two targets drawn by weight, the one with the lower expected latency as
 * Finagle's and Linkerd's balancers compute it: the peak-EWMA latency ({@link PeakEwma}) times
 * (attempts in flight + 1). The weights only shape which two are compared; the comparison is
 * on latency. A target with no latency yet but attempts in flight costs a penalty (Finagle's),
 * so that a new slow target does not take every request until its first answer.
 */
final class PeakEwmaBalancer extends PowerOfTwoChoicesBalancer {

    /** Finagle's: far above any real latency in nanoseconds, below where adding in-flight counts loses precision. */
    private static final double PENALTY = Long.MAX_VALUE >> 16;

    PeakEwmaBalancer(List<Target> targets) {
        super(targets);
    }

    @Override
    double load(Target target, long nowNanos) {
        double latency = target.latencyNanos(nowNanos);
        int inflight = target.inflight();
        if (latency == 0 && inflight > 0) {
            return PENALTY + inflight;
        }
        return latency * (inflight + 1);
    }
}
