#!/usr/bin/env bash
# Cluster-wide rate limits (issue 16): the gateway's req/s and p99 with a route limited in Redis
# (scope = cluster, Redis on loopback) against the same route limited in the process (scope =
# local), same gateway, same run, alternating; then Redis's memory per limited key (INFO memory
# with N keys made through the gateway). Neither limit ever refuses: this is the cost of asking.
# Usage: bench/cluster-limit.sh --help
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

usage() {
    cat <<'USAGE'
Usage: bench/cluster-limit.sh [options]

  -d, --duration SECONDS  one measured wrk run, 5-30 [DURATION, default 15]
  -r, --rounds N          local/cluster pairs, alternating, 1-5 [ROUNDS, default 2]
  -c, --connections N     wrk connections, 1-512 [CONNS, default 64]
      --warmup SECONDS    JIT warm-up on both routes before measuring, 0-120 [WARMUP, default 20]
      --keys-seconds S    how long wrk makes new keys for the memory figure, 1-30 [KEYS_SECONDS, default 10]
  -h, --help              this text

Environment: JAR (gateway-launcher/target/nexus-gateway.jar), JAVA_HOME, HEAP (512m),
GATEWAY_PORT 28280, ADMIN_PORT 29290, UPSTREAM_PORT 28281, REDIS_PORT 28279, LOAD_CPU 0,
PROXY_CPU 1. Needs wrk, nginx, redis-server, redis-cli, taskset and Java 21+.
USAGE
}

die() { echo "cluster-limit.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

DURATION=${DURATION:-15}
ROUNDS=${ROUNDS:-2}
CONNS=${CONNS:-64}
WARMUP=${WARMUP:-20}
KEYS_SECONDS=${KEYS_SECONDS:-10}
HEAP=${HEAP:-512m}
GATEWAY_PORT=${GATEWAY_PORT:-28280}
ADMIN_PORT=${ADMIN_PORT:-29290}
UPSTREAM_PORT=${UPSTREAM_PORT:-28281}
REDIS_PORT=${REDIS_PORT:-28279}
LOAD_CPU=${LOAD_CPU:-0}
PROXY_CPU=${PROXY_CPU:-1}
JAR=${JAR:-$ROOT/gateway-launcher/target/nexus-gateway.jar}

while (($# > 0)); do
    case $1 in
        -d | --duration) DURATION=${2:?$1 needs a value}; shift ;;
        -r | --rounds) ROUNDS=${2:?$1 needs a value}; shift ;;
        -c | --connections) CONNS=${2:?$1 needs a value}; shift ;;
        --warmup) WARMUP=${2:?$1 needs a value}; shift ;;
        --keys-seconds) KEYS_SECONDS=${2:?$1 needs a value}; shift ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done
((DURATION >= 5 && DURATION <= 30)) || die "--duration must be 5-30"
((ROUNDS >= 1 && ROUNDS <= 5)) || die "--rounds must be 1-5"
((CONNS >= 1 && CONNS <= 512)) || die "--connections must be 1-512"
((WARMUP >= 0 && WARMUP <= 120)) || die "--warmup must be 0-120"
((KEYS_SECONDS >= 1 && KEYS_SECONDS <= 30)) || die "--keys-seconds must be 1-30"
for tool in wrk nginx redis-server redis-cli taskset; do
    command -v "$tool" >/dev/null || die "needs $tool"
done
[[ -f $JAR ]] || die "no $JAR: mvn -pl gateway-webapp,gateway-launcher package -DskipTests"
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
require_free_ports "$GATEWAY_PORT" "$ADMIN_PORT" "$UPSTREAM_PORT" "$REDIS_PORT"

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# Upstream and Redis share the load core with wrk; the gateway has the other one.
write_upstream_conf "$WORK/upstream" "$UPSTREAM_PORT"
taskset -c "$LOAD_CPU" nginx -c "$WORK/upstream/nginx.conf" -p "$WORK/upstream" 2>"$WORK/upstream.log" &
PIDS+=($!)
taskset -c "$LOAD_CPU" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)

cat >"$WORK/gateway.conf" <<CONF
nexus {
  server { host = "127.0.0.1", port = $GATEWAY_PORT, max-concurrent-requests = 10000, shutdown { drain-delay = 0s, timeout = 5s } }
  admin { port = $ADMIN_PORT }
  redis { uris = ["redis://127.0.0.1:$REDIS_PORT"] }
  upstreams { bench { targets = ["http://127.0.0.1:$UPSTREAM_PORT"] } }
  routes = [
    { name = "local", path = "/local", upstream = "bench", rate-limit { requests = 1000000000, window = 1s, key = client-ip } }
    { name = "cluster", path = "/cluster", upstream = "bench", rate-limit { requests = 1000000000, window = 1s, key = client-ip, scope = cluster } }
    { name = "keys", path = "/keys", upstream = "bench", rate-limit { requests = 1000, window = 1h, key = header, header = "X-Client", scope = cluster } }
  ]
}
CONF
taskset -c "$PROXY_CPU" "$JAVA" -XX:ActiveProcessorCount=1 "-Xms$HEAP" "-Xmx$HEAP" -jar "$JAR" --config "$WORK/gateway.conf" >"$WORK/gateway.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 300); do
    [[ $(http_status "$GATEWAY_PORT" /local) == 200 ]] && grep -q "share their limits there" "$WORK/gateway.log" && break
    sleep 0.1
done
[[ $(http_status "$GATEWAY_PORT" /cluster) == 200 ]] || die "the gateway did not come up: $(tail -n 5 "$WORK/gateway.log")"

cat >"$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("NEXUS_BENCH %.1f %.3f %.3f %d\n", summary.requests / (summary.duration / 1000000),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status + e.connect + e.read + e.write + e.timeout))
end
LUA
run() { # path seconds: prints "rps p50 p99 errors"
    taskset -c "$LOAD_CPU" timeout -k 5 $(($2 + 30)) wrk -t1 -c"$CONNS" -d"$2s" --latency -s "$WORK/report.lua" \
        "http://127.0.0.1:$GATEWAY_PORT$1" | awk '/^NEXUS_BENCH/ { print $2, $3, $4, $5 }'
}
store_errors() {
    curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" | awk '/^nexus_rate_limit_store_errors_total / { print $2 }'
}

if ((WARMUP > 0)); then
    log "warm-up: ${WARMUP}s on each route"
    run /local "$WARMUP" >/dev/null
    run /cluster "$WARMUP" >/dev/null
fi
errors_before=$(store_errors)
echo "| round | route | req/s | p50 ms | p99 ms | errors |"
echo "| --- | --- | --- | --- | --- | --- |"
local_sum=0
cluster_sum=0
for round in $(seq 1 "$ROUNDS"); do
    for route in local cluster; do
        log "round $round: /$route for ${DURATION}s at $CONNS connections"
        read -r rps p50 p99 errors < <(run "/$route" "$DURATION")
        echo "| $round | $route | $rps | $p50 | $p99 | $errors |"
        if [[ $route == local ]]; then local_sum=$(awk -v a="$local_sum" -v b="$rps" 'BEGIN { print a + b }'); else cluster_sum=$(awk -v a="$cluster_sum" -v b="$rps" 'BEGIN { print a + b }'); fi
    done
done
errors_after=$(store_errors)
awk -v l="$local_sum" -v c="$cluster_sum" -v r="$ROUNDS" -v e0="$errors_before" -v e1="$errors_after" 'BEGIN {
    printf "\ncluster/local req/s: %.2f (mean %.0f vs %.0f); Redis calls that failed or timed out meanwhile: %d\n", c / l, c / r, l / r, e1 - e0 }'

# Memory per key: distinct X-Client values, one new key per request, through the real script.
cat >"$WORK/keys.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/keys", { ["X-Client"] = "client-" .. n })
end
LUA
redis-cli -p "$REDIS_PORT" FLUSHALL >/dev/null
before=$(redis-cli -p "$REDIS_PORT" INFO memory | awk -F: '/^used_memory:/ { print $2 + 0 }')
log "making keys for ${KEYS_SECONDS}s"
taskset -c "$LOAD_CPU" wrk -t1 -c16 -d"${KEYS_SECONDS}s" -s "$WORK/keys.lua" "http://127.0.0.1:$GATEWAY_PORT/keys" >/dev/null
keys=$(redis-cli -p "$REDIS_PORT" DBSIZE)
after=$(redis-cli -p "$REDIS_PORT" INFO memory | awk -F: '/^used_memory:/ { print $2 + 0 }')
sample=$(redis-cli -p "$REDIS_PORT" RANDOMKEY)
awk -v k="$keys" -v b="$before" -v a="$after" -v s="$sample" -v m="$(redis-cli -p "$REDIS_PORT" MEMORY USAGE "$sample")" 'BEGIN {
    printf "Redis: %d keys, used_memory %d -> %d bytes: %.0f bytes per key (MEMORY USAGE of one, %s: %d)\n", k, b, a, (a - b) / k, s, m }'
log "redis-server $(redis-server --version | awk '{ print $3 }'), $(nproc) CPUs, commit $(git -C "$ROOT" rev-parse --short HEAD)"
