#!/usr/bin/env bash
# Cost per request of a route's traffic policy (docs/traffic-policy.md): one gateway with two
# routes to the same nginx upstream, "plain" (no policy) and "policy" (header edits with a
# variable, a regex rewrite and credentialed CORS, every request carrying an allowed Origin),
# measured with wrk in interleaved rounds. Reports req/s, latency and the gateway's CPU time
# per request (from /proc: utime + stime over the requests wrk completed).
#
#   bench/policy.sh [--duration 10] [--rounds 3] [--warmup 30] [--connections 32]
#
# Same set-up as bench/run.sh: the gateway on one core, wrk and the upstream on the other.
# Needs wrk, nginx, taskset, curl and a Java 21+ runtime (Maven and a JDK to build the jar).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-30}
CONNS=${CONNS:-32}
UPSTREAM_PORT=${UPSTREAM_PORT:-18480}
GATEWAY_PORT=${GATEWAY_PORT:-18490}
ADMIN_PORT=${ADMIN_PORT:-18491}
JAR=${JAR:-$ROOT/gateway-launcher/target/nexus-gateway.jar}

while (($#)); do
    case $1 in
        --duration) DURATION=${2:?}; shift ;;
        --rounds) ROUNDS=${2:?}; shift ;;
        --warmup) WARMUP=${2:?}; shift ;;
        --connections) CONNS=${2:?}; shift ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
for n in "$DURATION" "$ROUNDS" "$WARMUP" "$CONNS"; do
    [[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 300)) || { echo "durations, rounds and connections are 1-300, got $n" >&2; exit 2; }
done

log() { printf '[policy %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in wrk nginx taskset curl; do command -v "$tool" >/dev/null || die "$tool is missing"; done
require_free_ports "$UPSTREAM_PORT" "$GATEWAY_PORT" "$ADMIN_PORT"
JAVA_HOME=$("$ROOT/scripts/java-home.sh") || die "no JDK 21+ found: set JAVA_HOME"
if [[ ! -f $JAR ]]; then
    log "building $JAR"
    (cd "$ROOT" && JAVA_HOME=$JAVA_HOME mvn -B -q -ntp -DskipTests package) >&2
fi

WORK=$(mktemp -d /tmp/nexus-policy.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
( sleep $((WARMUP + 2 * ROUNDS * (DURATION + 5) + 120)); log "time is up"; kill -TERM $$ ) 2>/dev/null &
PIDS+=($!)

write_upstream_conf "$WORK/upstream" "$UPSTREAM_PORT"
taskset -c 0 nginx -p "$WORK/upstream" -c "$WORK/upstream/nginx.conf" >/dev/null 2>&1 &
PIDS+=($!)
cat >"$WORK/gateway.conf" <<CONF
nexus {
  server { host = "127.0.0.1", port = $GATEWAY_PORT, max-concurrent-requests = 10000, shutdown { drain-delay = 0s, timeout = 5s } }
  admin { port = $ADMIN_PORT }
  observability.tracing.enabled = false
  upstreams { bench { targets = ["http://127.0.0.1:$UPSTREAM_PORT"] } }
  routes = [
    { name = "plain", path = "/plain", upstream = "bench" }
    { name = "policy", path = "/policy", upstream = "bench", strip-prefix = true,
      rewrite { regex = "^/users/([0-9]+)$", replacement = "/v2/accounts/\$1" }
      headers { request { set { "X-Env" = "prod", "X-Seen-Id" = "\${request_id}" }, add { "X-Via" = "nexus" }, remove = ["X-Secret"] }
                response { set { "X-Route" = "\${route}" }, remove = ["Server"] } }
      cors { allowed-origins = ["https://app.example.com", "https://admin.example.com"], allowed-headers = ["Authorization"],
             exposed-headers = ["X-Route"], allow-credentials = true } }
  ]
}
CONF
taskset -c 1 "$JAVA_HOME/bin/java" -Xms512m -Xmx512m -XX:+UseParallelGC -jar "$JAR" --config "$WORK/gateway.conf" >"$WORK/gateway.log" 2>&1 &
GATEWAY=$!
PIDS+=("$GATEWAY")
for _ in $(seq 100); do
    [[ $(http_status "$GATEWAY_PORT" /plain/x || true) == 200 ]] && break
    sleep 0.2
done
[[ $(http_status "$GATEWAY_PORT" /plain/x || true) == 200 ]] || die "the gateway did not answer (log: $(tail -3 "$WORK/gateway.log"))"

ORIGIN=(-H "Origin: https://app.example.com")
# The policy must really run: the rewrite, a response edit and CORS on one answer.
CHECK=$(curl -s -o /dev/null -D - "${ORIGIN[@]}" "http://127.0.0.1:$GATEWAY_PORT/policy/users/7")
for header in "HTTP/1.1 200" "Access-Control-Allow-Origin: https://app.example.com" "X-Route: policy" "Vary: Origin"; do
    grep -qi "^$header" <<<"$CHECK" || die "the policy route did not answer with $header: $CHECK"
done
cpu_ticks() { awk '{print $14 + $15}' "/proc/$GATEWAY/stat"; }
run() { # seconds path [header args...]: prints "requests req/s p50 p99"
    local seconds=$1 path=$2; shift 2
    taskset -c 0 wrk -t1 -c"$CONNS" -d"${seconds}s" --latency "$@" "http://127.0.0.1:$GATEWAY_PORT$path" |
        awk '/requests in/ {n=$1} /Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
             /Non-2xx/ {bad=$NF} END {if (bad) {print "non-2xx answers: " bad > "/dev/stderr"; exit 1} print n, r, p50, p99}'
}
log "warm-up ${WARMUP}s on each route"
run "$WARMUP" /plain/users/7 >/dev/null
run "$WARMUP" /policy/users/7 "${ORIGIN[@]}" >/dev/null
HZ=$(getconf CLK_TCK)
printf '| round | route | req/s | p50 | p99 | gateway CPU per request |\n| --- | --- | --- | --- | --- | --- |\n'
declare -A CPU_SUM=() REQ_SUM=()
for round in $(seq "$ROUNDS"); do
    for route in plain policy; do
        args=()
        [[ $route == policy ]] && args=("${ORIGIN[@]}")
        before=$(cpu_ticks)
        read -r requests rps p50 p99 < <(run "$DURATION" "/$route/users/7" "${args[@]}")
        ticks=$(($(cpu_ticks) - before))
        CPU_SUM[$route]=$((${CPU_SUM[$route]:-0} + ticks))
        REQ_SUM[$route]=$((${REQ_SUM[$route]:-0} + requests))
        printf '| %s | %s | %s | %s | %s | %.1f µs |\n' "$round" "$route" "$rps" "$p50" "$p99" \
            "$(awk -v t="$ticks" -v n="$requests" -v hz="$HZ" 'BEGIN {print t / hz / n * 1e6}')"
    done
done
awk -v pt="${CPU_SUM[plain]}" -v pn="${REQ_SUM[plain]}" -v qt="${CPU_SUM[policy]}" -v qn="${REQ_SUM[policy]}" -v hz="$HZ" 'BEGIN {
    plain = pt / hz / pn * 1e6; policy = qt / hz / qn * 1e6
    printf "\nall rounds: plain %.1f µs, policy %.1f µs of gateway CPU per request: the policy costs %.1f µs (%+.1f %%)\n",
        plain, policy, policy - plain, (policy / plain - 1) * 100 }'
