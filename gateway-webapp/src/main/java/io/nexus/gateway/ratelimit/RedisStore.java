package io.nexus.gateway.ratelimit;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.nexus.gateway.config.RedisSettings;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis that routes with {@code scope = cluster} count in: one Lettuce connection (to a
 * server, or to a Redis Cluster) shared by every such route of a gateway, used only through its
 * async API, and whether it answers.
 *
 * <p>It is available once connected and until a call fails or outlasts {@code timeout}; from
 * then on routes decide with their local limiters and no request waits for Redis, while a probe
 * ({@code PING}, or a new connection attempt) every {@value #PROBE_MILLIS} ms finds out when it
 * answers again. Each change of state is logged once; each failed call counts in
 * {@code nexus_rate_limit_store_errors_total}, and {@code nexus_rate_limit_store_fallback} is 1
 * while unavailable.
 */
final class RedisStore implements AutoCloseable {

    static final long PROBE_MILLIS = 500;
    /** Connecting (and a cluster's topology discovery) happens off the request path, so it may take longer than a call. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final String SCRIPT = script();

    private static final Logger LOG = LoggerFactory.getLogger(RedisStore.class);

    private enum State { CONNECTING, AVAILABLE, UNAVAILABLE, CLOSED }

    private final RedisSettings settings;
    private final Scheduler scheduler;
    private final CounterDataPoint errors;
    private final GaugeDataPoint fallback;
    private final ClientResources resources;
    private final AbstractRedisClient client;
    private final AtomicReference<State> state = new AtomicReference<>(State.CONNECTING);
    private volatile StatefulConnection<String, String> connection;
    private volatile RedisClusterAsyncCommands<String, String> commands;
    private volatile String scriptSha;

    RedisStore(RedisSettings settings, Scheduler scheduler, CounterDataPoint errors, GaugeDataPoint fallback) {
        this.settings = settings;
        this.scheduler = scheduler;
        this.errors = errors;
        this.fallback = fallback;
        // Lettuce's default reconnect backoff grows to 30 s; a limit should be shared again within a second.
        this.resources = ClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(1)
            .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
            .build();
        List<RedisURI> uris = settings.uris().stream().map(this::redisUri).toList();
        if (settings.cluster()) {
            RedisClusterClient cluster = RedisClusterClient.create(resources, uris);
            cluster.setOptions(ClusterClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(settings.timeout()))
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers().build())
                .build());
            this.client = cluster;
        } else {
            RedisClient single = RedisClient.create(resources);
            single.setOptions(ClientOptions.builder()
                // Commands fail at once while the connection is down, instead of queuing until the timeout.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(settings.timeout()))
                .build());
            this.client = single;
        }
        fallback.set(1);
        connect();
    }

    private RedisURI redisUri(URI uri) {
        RedisURI.Builder builder = RedisURI.builder(RedisURI.create(uri)).withTimeout(CONNECT_TIMEOUT);
        settings.password().ifPresent(builder::withPassword);
        return builder.build();
    }

    private void connect() {
        // A cluster client connects asynchronously only once it knows the topology.
        CompletionStage<? extends StatefulConnection<String, String>> connecting = client instanceof RedisClusterClient cluster
            ? cluster.refreshPartitionsAsync().thenCompose(topology -> cluster.connectAsync(StringCodec.UTF8))
            : ((RedisClient) client).connectAsync(StringCodec.UTF8, redisUri(settings.uris().get(0)));
        connecting.whenComplete((opened, failure) -> {
            if (failure != null && state.get() != State.CLOSED) {
                errors.inc();
                becomeUnavailable(failure);
                scheduleProbe();
                return;
            }
            if (state.get() == State.CLOSED) {
                if (opened != null) {
                    opened.closeAsync();
                }
                return;
            }
            connection = opened;
            commands = opened instanceof StatefulRedisClusterConnection<String, String> cluster ? cluster.async()
                : ((StatefulRedisConnection<String, String>) opened).async();
            scriptSha = commands.digest(SCRIPT);
            // Loaded up front (on every master of a cluster), so that first requests need no second round trip.
            commands.scriptLoad(SCRIPT).toCompletableFuture().orTimeout(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((sha, loadFailure) -> becomeAvailable());
        });
    }

    /** Whether requests should ask Redis now. */
    boolean available() {
        return state.get() == State.AVAILABLE;
    }

    Duration timeout() {
        return settings.timeout();
    }

    /**
     * Runs the sliding-window script for one key: {@code [1, remaining]} when counted,
     * {@code [0, previous, current, elapsedMicros]} when refused. A server that lost its script
     * cache (a restart, a failover) is sent the script itself once.
     */
    CompletableFuture<List<Long>> count(String key, long windowMicros, int limit) {
        RedisClusterAsyncCommands<String, String> redis = commands;
        String[] keys = {key};
        String window = Long.toString(windowMicros);
        String max = Integer.toString(limit);
        return redis.<List<Long>>evalsha(scriptSha, ScriptOutputType.MULTI, keys, window, max).toCompletableFuture()
            .exceptionallyCompose(failure -> cause(failure) instanceof RedisNoScriptException
                ? redis.<List<Long>>eval(SCRIPT, ScriptOutputType.MULTI, keys, window, max).toCompletableFuture()
                : CompletableFuture.failedFuture(failure));
    }

    /** A call failed or outlasted the timeout: count it, and stop asking Redis until a probe answers. */
    void failed(Throwable failure) {
        errors.inc();
        if (becomeUnavailable(failure)) {
            scheduleProbe();
        }
    }

    private boolean becomeUnavailable(Throwable failure) {
        State previous = state.get();
        if ((previous == State.AVAILABLE || previous == State.CONNECTING) && state.compareAndSet(previous, State.UNAVAILABLE)) {
            fallback.set(1);
            LOG.warn("Redis at {} is unavailable ({}): routes with scope = cluster use their local limiters until it answers",
                settings.uris(), describe(failure));
            return true;
        }
        return false;
    }

    private void becomeAvailable() {
        State previous = state.get();
        if ((previous == State.UNAVAILABLE || previous == State.CONNECTING) && state.compareAndSet(previous, State.AVAILABLE)) {
            fallback.set(0);
            LOG.info("Redis at {} answers: routes with scope = cluster share their limits there{}", settings.uris(),
                previous == State.UNAVAILABLE ? " again" : "");
        }
    }

    /** A background look, on the scheduler (never blocking it: both steps are asynchronous). */
    private void scheduleProbe() {
        if (state.get() == State.CLOSED) {
            return;
        }
        try {
            scheduler.schedule(this::probe, PROBE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // The gateway is stopping: its routes, and so this store, are being released.
        }
    }

    private void probe() {
        if (state.get() != State.UNAVAILABLE) {
            return;
        }
        RedisClusterAsyncCommands<String, String> redis = commands;
        if (redis == null) {
            connect();
            return;
        }
        redis.ping().toCompletableFuture().orTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS).whenComplete((pong, failure) -> {
            if (failure == null) {
                becomeAvailable();
            } else {
                errors.inc();
                scheduleProbe();
            }
        });
    }

    @Override
    public void close() {
        state.set(State.CLOSED);
        fallback.set(0);
        StatefulConnection<String, String> open = connection;
        if (open != null) {
            open.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    static Throwable cause(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String describe(Throwable failure) {
        Throwable cause = cause(failure);
        return cause.getMessage() != null ? cause.getClass().getSimpleName() + ": " + cause.getMessage() : cause.getClass().getSimpleName();
    }

    private static String script() {
        try (InputStream in = RedisStore.class.getResourceAsStream("sliding-window.lua")) {
            if (in == null) {
                throw new IllegalStateException("sliding-window.lua is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
