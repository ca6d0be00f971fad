package io.nexus.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nexus.gateway.config.ConfigLoader;
import io.nexus.gateway.config.GatewayConfig;
import io.nexus.gateway.config.UpstreamSettings;
import io.nexus.gateway.exchange.Exchange;
import io.nexus.gateway.routing.Route;
import io.nexus.gateway.observability.GatewayMetrics;
import io.nexus.gateway.upstream.Target;
import io.nexus.gateway.upstream.Upstream;
import io.nexus.gateway.upstream.UpstreamBreaker;
import io.nexus.gateway.upstream.UpstreamClients;
import io.nexus.gateway.upstream.UpstreamRegistry;
import io.opentelemetry.api.trace.Span;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.servlet.http.HttpServletRequest;
import java.io.EOFException;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The call's bookkeeping without Jetty's proxy (the upstream comes from the real registry, so
 * its client is started but never sent to). Its breaker starts half-open with two permits: an
 * attempt's permit that is neither recorded nor released would leave it half-open with no
 * permit forever (every later request refused), so each test ends by checking the breaker can
 * still move: either it left half-open because both permits were recorded, or its permits are
 * all back.
 */
class UpstreamCallTest {

    private static final String CONFIG = """
        nexus {
          upstreams.up {
            targets = ["http://127.0.0.1:1", "http://127.0.0.1:2"]
            circuit-breaker { minimum-calls = 2, sliding-window-size = 2, wait-in-open = 20ms, permitted-calls-in-half-open = 2,
                              failure-rate-threshold = 60 }
          }
          routes = [
            { name = retrying, path = /r, upstream = up, request-timeout = 5s,
              retries { attempts = 2, retry-on = [connect-failure, 503], min-retries = 10 } }
            { name = plain, path = /p, upstream = up }
          ]
        }
        """;

    private Scheduler scheduler;
    private UpstreamRegistry registry;
    private Upstream upstream;
    private UpstreamBreaker breaker;
    private Route retrying;
    private Route plain;

    @BeforeEach
    void halfOpenBreaker() throws Exception {
        GatewayConfig config = ConfigLoader.parse(CONFIG, "test.conf", Map.of());
        UpstreamSettings settings = config.upstreams().get("up");
        scheduler = new ScheduledExecutorScheduler("test-scheduler", true);
        scheduler.start();
        registry = new UpstreamRegistry(new UpstreamClients(null, scheduler, List.of()), scheduler,
            new GatewayMetrics(new PrometheusRegistry(), () -> 0, () -> 0));
        upstream = registry.acquire(List.of(settings)).get("up");
        breaker = upstream.breaker();
        retrying = route(config, "retrying");
        plain = route(config, "plain");
        // Two failed calls open the breaker; after 20 ms it turns half-open by itself.
        for (int i = 0; i < 2; i++) {
            assertThat(breaker.tryAcquire()).isTrue();
            breaker.onFailure(1, new ConnectException("test"));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> breaker.state().equals("half_open"));
    }

    @AfterEach
    void stop() {
        registry.release(List.of(upstream));
        LifeCycle.stop(scheduler);
    }

    private Route route(GatewayConfig config, String name) {
        return new Route(config.routes().stream().filter(route -> route.name().equals(name)).findFirst().orElseThrow(), upstream, null, null);
    }

    /** Both half-open permits can still be taken: none leaked. */
    private void assertPermitsAllBack() {
        assertThat(breaker.state()).isEqualTo("half_open");
        assertThat(breaker.tryAcquire()).isTrue();
        assertThat(breaker.tryAcquire()).isTrue();
        breaker.release();
        breaker.release();
    }

    @Test
    void aRecordedAttemptUsesItsPermitAndCompletionReleasesNothingMore() {
        UpstreamCall first = new UpstreamCall(null, plain, "GET", false, new InflightCalls());
        UpstreamCall second = new UpstreamCall(null, plain, "GET", false, new InflightCalls());
        assertThat(first.startAttempt()).isTrue();
        assertThat(second.startAttempt()).isTrue();
        first.attemptEnded(200, null);
        second.attemptEnded(200, null);
        first.release();
        second.release();
        // Two successes were the two permitted half-open calls: the breaker closed.
        assertThat(breaker.state()).isEqualTo("closed");
    }

    @Test
    void failuresAndTimeoutsAreRecordedAgainstTheUpstream() {
        UpstreamCall failed = new UpstreamCall(null, plain, "GET", false, new InflightCalls());
        UpstreamCall timedOut = new UpstreamCall(null, plain, "GET", false, new InflightCalls());
        assertThat(failed.startAttempt()).isTrue();
        assertThat(timedOut.startAttempt()).isTrue();
        failed.attemptEnded(502, null);
        timedOut.attemptEnded(0, new TimeoutException("total timeout"));
        failed.release();
        timedOut.release();
        assertThat(breaker.state()).isEqualTo("open");
    }

    @Test
    void anAttemptThatNeverReportsHasItsPermitReturnedByCompletion() {
        // Jetty failed before the request went out (a guard answered 500): no outcome ever comes.
        UpstreamCall call = new UpstreamCall(null, plain, "GET", false, new InflightCalls());
        assertThat(call.startAttempt()).isTrue();
        call.release();
        assertPermitsAllBack();
    }

    @Test
    void aClientFailureReturnsThePermitWithoutBlamingTheUpstream() {
        UpstreamCall call = new UpstreamCall(null, plain, "POST", true, new InflightCalls());
        assertThat(call.startAttempt()).isTrue();
        call.clientFailed();
        call.attemptEnded(0, new EOFException("client left mid-body"));
        call.release();
        assertPermitsAllBack();
        assertThat(call.target().isHealthy()).isTrue();
    }

    @Test
    void aClientThatLeftBeforeTheOutcomeGetsOneReleaseNotTwo() {
        UpstreamCall call = new UpstreamCall(null, plain, "GET", false, new InflightCalls());
        assertThat(call.startAttempt()).isTrue();
        // The exchange completes first (the client is gone), the attempt's outcome arrives later.
        call.release();
        call.attemptEnded(0, new EOFException("aborted"));
        assertPermitsAllBack();
        assertThat(call.startAttempt()).as("no attempt after completion").isFalse();
        assertPermitsAllBack();
    }

    @Test
    void aRetryTakesANewPermitAfterRecordingTheFirstAttemptOnAnotherTarget() {
        UpstreamCall call = new UpstreamCall(null, retrying, "GET", false, new InflightCalls());
        assertThat(call.startAttempt()).isTrue();
        Target first = call.target();
        assertThat(call.retriesStatus(503)).isTrue();
        call.attemptEnded(503, null);
        assertThat(call.startAttempt()).isTrue();
        assertThat(call.target()).isNotSameAs(first);
        call.attemptEnded(200, null);
        assertThat(call.retriesStatus(503)).as("attempts are used up").isFalse();
        call.release();
        // One failure and one success out of two: 50%, under the 60% threshold.
        assertThat(breaker.state()).isEqualTo("closed");
        assertThat(call.attempts()).isEqualTo(2);
    }

    @Test
    void connectFailuresRetryOnlyReplayableRequests() {
        UpstreamCall get = new UpstreamCall(null, retrying, "GET", false, new InflightCalls());
        UpstreamCall post = new UpstreamCall(null, retrying, "POST", false, new InflightCalls());
        UpstreamCall putWithBody = new UpstreamCall(null, retrying, "PUT", true, new InflightCalls());
        ConnectException refused = new ConnectException("Connection refused");
        assertThat(get.retriesFailure(new RuntimeException(refused), false)).isTrue();
        assertThat(get.retriesFailure(new TimeoutException(), false)).as("not a connect failure").isFalse();
        assertThat(post.retriesFailure(refused, false)).isFalse();
        assertThat(putWithBody.retriesFailure(refused, false)).isFalse();
        assertThat(new UpstreamCall(null, plain, "GET", false, new InflightCalls()).retriesStatus(503))
            .as("a route without retries of its own: its upstream's retry no status").isFalse();
        assertPermitsAllBack();
    }

    @Test
    void byDefaultAConnectionResetBeforeTheResponseIsRetriedForReplayableRequestsOnly() {
        EOFException reset = new EOFException("HttpConnectionOverHTTP closed");
        UpstreamCall get = new UpstreamCall(null, plain, "GET", false, new InflightCalls());
        assertThat(get.startAttempt()).isTrue();
        get.attemptEnded(0, reset);
        assertThat(get.lastFailure().cause()).isEqualTo("upstream_reset");
        assertThat(get.retriesFailure(reset, true)).as("after the response head: never").isFalse();
        assertThat(get.retriesFailure(reset, false)).isTrue();
        UpstreamCall post = new UpstreamCall(null, plain, "POST", true, new InflightCalls());
        assertThat(post.startAttempt()).isTrue();
        post.attemptEnded(0, reset);
        assertThat(post.retriesFailure(reset, false)).as("a body cannot be replayed").isFalse();
        get.release();
        post.release();
    }

    @Test
    void anOpenBreakerRefusesWithAReasonAndHoldsNoPermit() {
        // Other requests hold both half-open permits: to this one the breaker is closed to calls.
        assertThat(breaker.tryAcquire()).isTrue();
        assertThat(breaker.tryAcquire()).isTrue();
        UpstreamCall refused = new UpstreamCall(null, plain, "GET", false, new InflightCalls());
        assertThat(refused.startAttempt()).isFalse();
        assertThat(refused.refusal()).isEqualTo("the circuit breaker of upstream up is open");
        refused.release();
        breaker.release();
        breaker.release();
        assertPermitsAllBack();
    }

    @Test
    void noHealthyTargetRefusesWithAReasonAndGivesThePermitBack() {
        upstream.targets().forEach(target -> target.setHealthy(false));
        UpstreamCall refused = new UpstreamCall(null, plain, "GET", false, new InflightCalls());
        assertThat(refused.startAttempt()).isFalse();
        assertThat(refused.refusal()).isEqualTo("no healthy target in upstream up");
        refused.release();
        assertPermitsAllBack();
    }

    @Test
    void theDeadlineCoversEveryAttempt() {
        UpstreamCall call = new UpstreamCall(null, retrying, "GET", false, new InflightCalls());
        assertThat(call.remainingMillis()).isBetween(1L, 5_000L);
        call.release();
    }

    @Test
    void theWatchdogAbortsACallStuckPastItsDeadlineThenCompletesItsExchange() {
        InflightCalls inflight = new InflightCalls();
        AtomicInteger recorded = new AtomicInteger();
        Exchange exchange = Exchange.open(request(), Span.getInvalid(), (completed, status, nanos) -> recorded.set(status));
        UpstreamCall call = new UpstreamCall(exchange, plain, "GET", false, inflight);
        exchange.hold(call);
        assertThat(call.startAttempt()).isTrue();
        List<Throwable> aborts = new ArrayList<>();
        call.sending(aborts::add);
        assertThat(inflight.oldestWaitingSeconds()).isGreaterThanOrEqualTo(0);

        long late = call.deadlineNanos() + InflightCalls.GRACE_NANOS;
        inflight.scan(late - 1);
        assertThat(aborts).as("within the grace").isEmpty();
        inflight.scan(late);
        assertThat(aborts).singleElement().isInstanceOf(TimeoutException.class);
        assertThat(inflight.size()).as("aborted, not yet ended").isEqualTo(1);
        // The abort did not end it (a lost callback): the next pass completes the exchange.
        inflight.scan(late + 1_000_000_000L);
        assertThat(recorded.get()).isEqualTo(504);
        assertThat(exchange.cause()).isEqualTo("response_timeout");
        assertThat(inflight.size()).isZero();
        assertPermitsAllBack();
    }

    @Test
    void aCallWhoseResponseStreamsIsNeverStuck() {
        InflightCalls inflight = new InflightCalls();
        UpstreamCall call = new UpstreamCall(null, plain, "GET", false, inflight);
        List<Throwable> aborts = new ArrayList<>();
        call.sending(aborts::add);
        call.responseBegins();
        inflight.scan(call.deadlineNanos() + 10 * InflightCalls.GRACE_NANOS);
        assertThat(aborts).isEmpty();
        assertThat(inflight.oldestWaitingSeconds()).isZero();
        call.release();
        assertThat(inflight.size()).isZero();
    }

    /** A request with what an exchange reads, for the exchange a watchdog test completes. */
    private static HttpServletRequest request() {
        Map<String, Object> attributes = new HashMap<>();
        return (HttpServletRequest) Proxy.newProxyInstance(UpstreamCallTest.class.getClassLoader(), new Class<?>[] {HttpServletRequest.class},
            (proxy, method, args) -> switch (method.getName()) {
                case "getMethod" -> "GET";
                case "getRemoteAddr" -> "127.0.0.1";
                case "getRequestURI" -> "/p";
                case "setAttribute" -> attributes.put((String) args[0], args[1]);
                case "getAttribute" -> attributes.get((String) args[0]);
                default -> throw new UnsupportedOperationException(method.getName());
            });
    }
}
