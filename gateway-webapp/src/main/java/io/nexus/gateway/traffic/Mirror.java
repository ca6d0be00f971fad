package io.nexus.gateway.traffic;

import io.nexus.gateway.config.RouteSettings;
import io.nexus.gateway.config.TrafficPolicy;
import io.nexus.gateway.observability.GatewayMetrics;
import io.nexus.gateway.upstream.Target;
import io.nexus.gateway.upstream.Upstream;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * A route's {@code mirror}: sends copies of a share of its requests to a shadow upstream and
 * discards the answers. A copy never holds the client's request up: it is sent asynchronously
 * through the shadow's own client, after the request's headers (and body, up to {@code max-body})
 * are known. At most {@code max-in-flight} copies are out at once, each holding at most
 * {@code max-body} bytes, so a slow or dead shadow costs bounded memory and no thread; a copy
 * beyond is dropped and counted in {@code nexus_mirrored_requests_total{route,result}}.
 */
public final class Mirror {

    private static final byte[] NO_BODY = new byte[0];

    private final Upstream shadow;
    private final double percent;
    private final long maxBody;
    private final int maxInFlight;
    private final long timeoutMillis;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CounterDataPoint ok;
    private final CounterDataPoint failed;
    private final CounterDataPoint dropped;
    private final CounterDataPoint tooLarge;
    private final CounterDataPoint aborted;

    private Mirror(String route, TrafficPolicy.Mirror settings, Upstream shadow, GatewayMetrics metrics) {
        this.shadow = shadow;
        this.percent = settings.percent();
        this.maxBody = settings.maxBody();
        this.maxInFlight = settings.maxInFlight();
        this.timeoutMillis = shadow.settings().requestTimeout().toMillis();
        this.ok = metrics.mirrored(route, "ok");
        this.failed = metrics.mirrored(route, "failed");
        this.dropped = metrics.mirrored(route, "dropped");
        this.tooLarge = metrics.mirrored(route, "too_large");
        this.aborted = metrics.mirrored(route, "aborted");
    }

    /** The mirror of a route, or {@code null} when it has none. */
    public static Mirror of(RouteSettings route, Map<String, Upstream> upstreams, GatewayMetrics metrics) {
        return route.traffic().mirror()
            .map(settings -> new Mirror(route.name(), settings, upstreams.get(settings.upstream()), metrics))
            .orElse(null);
    }

    /**
     * Decides whether this request is copied and takes a place for the copy.
     *
     * @param contentLength the declared body length, -1 when unknown
     * @return the copy to fill and send, or {@code null} when the request is not copied
     */
    public Copy start(long contentLength) {
        if (percent < 100 && ThreadLocalRandom.current().nextDouble(100) >= percent) {
            return null;
        }
        if (contentLength > maxBody) {
            tooLarge.inc();
            return null;
        }
        int current;
        do {
            current = inFlight.get();
            if (current >= maxInFlight) {
                dropped.inc();
                return null;
            }
        } while (!inFlight.compareAndSet(current, current + 1));
        return new Copy();
    }

    /** Copies in flight now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** One request's copy: its body as it streams, then the copy sent; its place is given back once. */
    public final class Copy {
        private final AtomicBoolean open = new AtomicBoolean(true);
        private byte[] body = NO_BODY;
        private int length;

        private Copy() {
        }

        /** A piece of the client's body, copied (the reader reuses its buffer); past {@code max-body} the copy is given up. */
        public void append(byte[] buffer, int offset, int count) {
            if (!open.get()) {
                return;
            }
            if (length + (long) count > maxBody) {
                end(tooLarge);
                body = NO_BODY;
                return;
            }
            if (length + count > body.length) {
                body = Arrays.copyOf(body, (int) Math.min(maxBody, Math.max(length + count, Math.max(1024, body.length * 2L))));
            }
            System.arraycopy(buffer, offset, body, length, count);
            length += count;
        }

        /** The client's request failed before its body was complete: nothing is sent. */
        public void abandon() {
            end(aborted);
        }

        /**
         * Sends the copy: the method, path and query the upstream got, with the headers as they
         * were sent to it (without {@code Host}, which the shadow's client sets, and without
         * {@code Expect}, so that a copy never waits for a {@code 100 Continue}).
         */
        public void send(String method, String pathAndQuery, HttpFields headers) {
            if (!open.get()) {
                return;
            }
            Target target = shadow.balancer().pick();
            if (target == null) {
                end(failed);
                return;
            }
            try {
                Request request = shadow.client().newRequest(target.base() + pathAndQuery)
                    .method(method)
                    .timeout(timeoutMillis, TimeUnit.MILLISECONDS)
                    .headers(h -> {
                        h.add(headers);
                        h.remove(HttpHeader.HOST);
                        h.remove(HttpHeader.EXPECT);
                        h.remove(HttpHeader.CONTENT_LENGTH);
                    });
                if (length > 0) {
                    request.body(new BytesRequestContent(length == body.length ? body : Arrays.copyOf(body, length)));
                }
                body = NO_BODY;
                // No content listener: the shadow's answer is read and thrown away as it arrives.
                request.send(result -> end(result.isFailed() ? failed : ok));
            } catch (RuntimeException e) {
                end(failed);
            }
        }

        private void end(CounterDataPoint result) {
            if (open.compareAndSet(true, false)) {
                inFlight.decrementAndGet();
                result.inc();
            }
        }
    }
}
