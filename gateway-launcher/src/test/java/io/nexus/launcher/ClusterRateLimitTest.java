package io.nexus.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Rate limits with {@code scope = cluster} against real {@code redis-server} processes: gateways
 * sharing one limit, a three-master Redis Cluster, and Redis killed and restarted under load.
 */
class ClusterRateLimitTest {

    @RegisterExtension
    static final GatewayExtension nexus = GatewayExtension.builder().recordingUpstream("up").perMethod().build();

    private static final Pattern ERRORS = Pattern.compile("nexus_rate_limit_store_errors_total ([0-9.]+)");

    /**
     * A limit is exact while Redis answers within the timeout; on this shared test machine a
     * cold JVM's first calls can take longer than the default 50ms, so the exactness tests allow
     * more (the outage test keeps the default).
     */
    private static final String PATIENT = ", timeout = 2s";

    private static String config(String redis, String rateLimit) {
        return """
            nexus {
              redis { %s }
              upstreams { up { targets = [${upstreams.up}] } }
              routes = [ { name = "shared", path = "/shared", upstream = "up", rate-limit { %s, scope = cluster } } ]
            }
            """.formatted(redis, rateLimit);
    }

    /** Waits until the gateway reaches Redis: before that, its route decides locally. */
    private static void awaitConnected(TestGateway gateway) {
        gateway.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_rate_limit_store_fallback 0.0"));
    }

    /**
     * Windows start at multiples of their length since the epoch (Redis's clock); a test of
     * exact sums stays clear of a boundary, where the previous window's count starts to fade.
     */
    private static void awayFromHourBoundary() {
        await().atMost(Duration.ofMinutes(1)).until(() -> {
            long intoHour = Instant.now().getEpochSecond() % 3600;
            return intoHour > 5 && intoHour < 3600 - 60;
        });
    }

    @Test
    void twoGatewaysShareOneLimit() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            String text = config("uris = [\"" + redis.uri() + "\"]" + PATIENT, "requests = 20, window = 1h, key = route");
            TestGateway first = nexus.startGateway(text);
            TestGateway second = nexus.startGateway(text);
            awaitConnected(first);
            awaitConnected(second);
            awayFromHourBoundary();

            AtomicInteger admitted = new AtomicInteger();
            ExecutorService clients = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> sent = new ArrayList<>();
                for (int i = 0; i < 60; i++) {
                    TestGateway gateway = i % 2 == 0 ? first : second;
                    sent.add(clients.submit(() -> {
                        ContentResponse response = gateway.get("/shared");
                        assertThat(response.getStatus()).isIn(200, 429);
                        assertThat(response.getHeaders().get("RateLimit-Limit")).isEqualTo("20");
                        if (response.getStatus() == 200) {
                            admitted.incrementAndGet();
                        } else {
                            assertThat(response.getHeaders().getLongField("Retry-After")).isBetween(1L, 3600L);
                            assertThat(response.getHeaders().get("RateLimit-Remaining")).isEqualTo("0");
                        }
                        return null;
                    }));
                }
                for (Future<?> future : sent) {
                    future.get();
                }
            } finally {
                clients.shutdownNow();
            }
            assertThat(admitted.get()).isEqualTo(20);
            assertThat(nexus.upstream("up").pending()).isEqualTo(20);
            first.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_rate_limit_store_errors_total 0.0"));
        }
    }

    @Test
    void aKeyOverItsLimitIsRefusedWithoutAskingRedisAgain() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            TestGateway gateway = nexus.startGateway(config("uris = [\"" + redis.uri() + "\"]" + PATIENT, "requests = 2, window = 1h, key = route"));
            awaitConnected(gateway);
            awayFromHourBoundary();
            assertThat(gateway.get("/shared").getStatus()).isEqualTo(200);
            ContentResponse last = gateway.get("/shared");
            assertThat(last.getStatus()).isEqualTo(200);
            assertThat(last.getHeaders().get("RateLimit-Remaining")).isEqualTo("0");
            assertThat(gateway.get("/shared").getStatus()).isEqualTo(429);
            long asked = redis.calls("evalsha") + redis.calls("eval");
            for (int i = 0; i < 10; i++) {
                ContentResponse refused = gateway.get("/shared");
                assertThat(refused.getStatus()).isEqualTo(429);
                assertThat(refused.getHeaders().getLongField("Retry-After")).isBetween(1L, 3600L);
            }
            assertThat(redis.calls("evalsha") + redis.calls("eval")).isEqualTo(asked);
        }
    }

    @Test
    void aThreeMasterRedisClusterSharesLimitsPerKey() throws Exception {
        List<RedisServer> masters = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                masters.add(RedisServer.start(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "2000")));
            }
            List<String> create = new ArrayList<>(List.of("--cluster", "create"));
            masters.forEach(master -> create.add("127.0.0.1:" + master.port()));
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            String created = masters.get(0).cli(create.toArray(String[]::new));
            assertThat(created).contains("All 16384 slots covered");
            for (RedisServer master : masters) {
                await().atMost(Duration.ofSeconds(20)).until(() -> master.cli("CLUSTER", "INFO").contains("cluster_state:ok"));
            }
            String seeds = "\"" + masters.get(0).uri() + "\", \"" + masters.get(1).uri() + "\"";
            String text = config("uris = [" + seeds + "], cluster = true" + PATIENT, "requests = 3, window = 1h, key = header, header = \"X-Client\"");
            TestGateway first = nexus.startGateway(text);
            TestGateway second = nexus.startGateway(text);
            awaitConnected(first);
            awaitConnected(second);
            awayFromHourBoundary();

            ConcurrentHashMap<String, AtomicInteger> admitted = new ConcurrentHashMap<>();
            for (int round = 0; round < 5; round++) {
                for (int client = 0; client < 30; client++) {
                    TestGateway gateway = (round + client) % 2 == 0 ? first : second;
                    String key = "client-" + client;
                    ContentResponse response = TestGateway.send(gateway.request("/shared").headers(h -> h.put("X-Client", key)));
                    assertThat(response.getStatus()).isIn(200, 429);
                    if (response.getStatus() == 200) {
                        admitted.computeIfAbsent(key, c -> new AtomicInteger()).incrementAndGet();
                    }
                }
            }
            assertThat(admitted).hasSize(30);
            assertThat(admitted.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(3));
            // The keys spread over the masters (30 keys all on one of three: about 1 in 10^13).
            int mastersWithKeys = 0;
            for (RedisServer master : masters) {
                if (Long.parseLong(master.cli("DBSIZE").trim()) > 0) {
                    mastersWithKeys++;
                }
            }
            assertThat(mastersWithKeys).isGreaterThanOrEqualTo(2);
            first.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_rate_limit_store_errors_total 0.0"));
        } finally {
            for (RedisServer master : masters) {
                master.close();
            }
        }
    }

    @Test
    void redisKilledAndRestartedUnderLoadFailsNoRequest() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            TestGateway gateway = neverRefusing(redis, "50ms");
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger answered = new AtomicInteger();
            ConcurrentHashMap<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
            ExecutorService load = Executors.newFixedThreadPool(4);
            List<Future<?>> loaders = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    loaders.add(load.submit(() -> {
                        while (running.get()) {
                            int status = gateway.get("/shared").getStatus();
                            statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
                            answered.incrementAndGet();
                        }
                        return null;
                    }));
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> answered.get() > 100);
                redis.kill();
                gateway.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_rate_limit_store_fallback 1.0"));
                int beforeOutage = answered.get();
                await().atMost(Duration.ofSeconds(10)).until(() -> answered.get() > beforeOutage + 100);
                double errors = errors(gateway.metrics());
                assertThat(errors).isGreaterThan(0);

                redis.restart();
                awaitConnected(gateway);
                // Counting in Redis again: the route's key is back.
                await().atMost(Duration.ofSeconds(10)).until(() -> !redis.cli("KEYS", "nexus:rl:shared:*").isBlank());
                int afterRecovery = answered.get();
                await().atMost(Duration.ofSeconds(10)).until(() -> answered.get() > afterRecovery + 100);
            } finally {
                running.set(false);
                for (Future<?> loader : loaders) {
                    loader.get();
                }
                load.shutdownNow();
            }
            assertThat(statuses.keySet()).containsOnly(200);
        }
    }

    @Test
    void aStuckRedisCostsARequestAtMostTheTimeoutAndTheRestNothing() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            TestGateway gateway = neverRefusing(redis, "200ms");
            assertThat(gateway.get("/shared").getStatus()).isEqualTo(200);
            redis.pause();
            try {
                long start = System.nanoTime();
                assertThat(gateway.get("/shared").getStatus()).isEqualTo(200);
                // The first request waits for the timeout (plus this busy machine's scheduling), no longer.
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
                gateway.awaitMetrics(metrics -> assertThat(metrics).contains("nexus_rate_limit_store_fallback 1.0"));
                // Then the route decides locally without asking: twenty requests take less than the timeout would for two.
                long burst = System.nanoTime();
                for (int i = 0; i < 20; i++) {
                    assertThat(gateway.get("/shared").getStatus()).isEqualTo(200);
                }
                assertThat(Duration.ofNanos(System.nanoTime() - burst)).isLessThan(Duration.ofSeconds(4));
                assertThat(errors(gateway.metrics())).isGreaterThan(0);
            } finally {
                redis.resume();
            }
            awaitConnected(gateway);
        }
    }

    /** A gateway connected to {@code redis} whose limit never refuses: only the store's health matters. */
    private static TestGateway neverRefusing(RedisServer redis, String timeout) throws Exception {
        TestGateway gateway = nexus.startGateway(config("uris = [\"" + redis.uri() + "\"], timeout = " + timeout,
            "requests = 1000000, window = 1h, key = route"));
        awaitConnected(gateway);
        return gateway;
    }

    private static double errors(String metrics) {
        Matcher matcher = ERRORS.matcher(metrics);
        assertThat(matcher.find()).isTrue();
        return Double.parseDouble(matcher.group(1));
    }
}
