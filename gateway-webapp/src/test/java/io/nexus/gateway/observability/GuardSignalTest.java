package io.nexus.gateway.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GuardSignalTest {

    @Test
    void everyLatencyFallsInABucketWhoseUpperBoundIsAtMostHalfAgainAsLarge() {
        for (long nanos = 70_000; nanos < TimeUnit.SECONDS.toNanos(500); nanos = nanos * 11 / 10) {
            int bucket = GuardSignal.bucket(nanos);
            assertThat(GuardSignal.upperBoundNanos(bucket)).as("%d ns", nanos).isGreaterThanOrEqualTo(nanos).isLessThanOrEqualTo(nanos * 3 / 2 + 1);
            assertThat(bucket == 0 || GuardSignal.upperBoundNanos(bucket - 1) < nanos).as("%d ns", nanos).isTrue();
        }
        assertThat(GuardSignal.bucket(1)).isZero();
        assertThat(GuardSignal.bucket(Long.MAX_VALUE)).isEqualTo(GuardSignal.BUCKETS - 1);
    }

    @Test
    void theP99AndTheErrorRatioComeFromWhatWasRecorded() {
        GuardSignal signal = new GuardSignal();
        for (int i = 0; i < 990; i++) {
            signal.record(200, TimeUnit.MILLISECONDS.toNanos(2));
        }
        for (int i = 0; i < 10; i++) {
            signal.record(503, TimeUnit.MILLISECONDS.toNanos(300));
        }
        GuardSignal.Stats recent = signal.recent();
        assertThat(recent.requests()).isEqualTo(1000);
        assertThat(recent.errorRatio()).isEqualTo(0.01);
        assertThat(recent.p99Nanos()).isBetween(TimeUnit.MILLISECONDS.toNanos(2), TimeUnit.MILLISECONDS.toNanos(3));

        signal.record(503, TimeUnit.MILLISECONDS.toNanos(300));
        assertThat(signal.recent().p99Nanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
    }

    @Test
    void windowsTumbleAndAWatchSeesOnlyWhatCameAfterIt() {
        GuardSignal signal = new GuardSignal();
        signal.record(200, 1_000_000);
        signal.rotate();
        signal.record(200, 1_000_000);
        assertThat(signal.recent().requests()).isEqualTo(2);
        signal.rotate();
        assertThat(signal.recent().requests()).isEqualTo(1);

        signal.startWatch();
        signal.record(500, 1_000_000);
        assertThat(signal.watched().requests()).isEqualTo(1);
        assertThat(signal.watched().errorRatio()).isEqualTo(1.0);
        signal.endWatch();
        assertThat(signal.watched().requests()).isZero();
    }

    @Test
    void requestsTheClientEndedAndRequestsWhileOffAreNotCounted() {
        GuardSignals signals = new GuardSignals();
        signals.record("orders", 502, 1_000_000);
        assertThat(signals.gateway().recent().requests()).isZero();

        signals.recording(true);
        signals.record("orders", 499, 1_000_000);
        signals.record("orders", 502, 1_000_000);
        signals.record(GatewayMetrics.UNMATCHED, 404, 1_000_000);
        assertThat(signals.gateway().recent().requests()).isEqualTo(2);
        assertThat(signals.gateway().recent().errors()).isEqualTo(1);
        assertThat(signals.existingRoute("orders").orElseThrow().recent().requests()).isEqualTo(1);
        assertThat(signals.existingRoute(GatewayMetrics.UNMATCHED)).isEmpty();

        signals.recording(false);
        assertThat(signals.existingRoute("orders")).isEmpty();
        assertThat(signals.gateway().recent().requests()).isZero();
    }
}
