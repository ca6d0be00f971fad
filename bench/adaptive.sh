#!/usr/bin/env bash
# Adaptive concurrency benchmark (issue 16): goodput and p99 of the gateway in front of an upstream
# of fixed capacity whose latency grows with the concurrency it is offered, under an overload ramp,
# with the fixed admission limit (max-concurrent-requests) and with server.adaptive-concurrency on.
# Method: bench/README.md, "Adaptive concurrency". Usage: bench/adaptive.sh --help
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
ARGS=("$@")

usage() {
    cat <<'EOF_USAGE'
Usage: bench/adaptive.sh [options]

  -d, --duration SECONDS  one measured wrk run per load level, 5-30 [DURATION, default 10]
      --levels LIST       client connections per level, comma-separated, each 1-1000 [LEVELS, default 16,64,256]
      --slots N           requests the upstream serves at once, 1-64 [SLOTS, default 8]
      --service-ms MS     the upstream's time per request, 1-200 [SERVICE_MS, default 20]
      --algorithm NAME    gradient2 or vegas [ALGORITHM, default gradient2]
      --warmup SECONDS    JIT warm-up of each gateway at the first level, 0-60 [WARMUP, default 20]
  -h, --help              this text

Environment: JAR (gateway-launcher/target/nexus-gateway.jar), JAVA_HOME, HEAP (512m),
GATEWAY_PORT 28280, ADMIN_PORT 29290, UPSTREAM_PORT 28281, LOAD_CPU 0, PROXY_CPU 1,
RESULTS_DIR (bench/results), PRIORITY (autogroup nice as root, -10; 0 turns it off). Needs wrk, curl, taskset, python3 and Java 21+.
EOF_USAGE
}

die() { echo "adaptive.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

DURATION=${DURATION:-10}
LEVELS=${LEVELS:-16,64,256}
SLOTS=${SLOTS:-8}
SERVICE_MS=${SERVICE_MS:-20}
ALGORITHM=${ALGORITHM:-gradient2}
WARMUP=${WARMUP:-20}
HEAP=${HEAP:-512m}
GATEWAY_PORT=${GATEWAY_PORT:-28280}
ADMIN_PORT=${ADMIN_PORT:-29290}
UPSTREAM_PORT=${UPSTREAM_PORT:-28281}
LOAD_CPU=${LOAD_CPU:-0}
PROXY_CPU=${PROXY_CPU:-1}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}
JAR=${JAR:-$ROOT/gateway-launcher/target/nexus-gateway.jar}

while (($# > 0)); do
    case $1 in
        -d | --duration) DURATION=${2:?$1 needs a value}; shift ;;
        --levels) LEVELS=${2:?$1 needs a value}; shift ;;
        --slots) SLOTS=${2:?$1 needs a value}; shift ;;
        --service-ms) SERVICE_MS=${2:?$1 needs a value}; shift ;;
        --algorithm) ALGORITHM=${2:?$1 needs a value}; shift ;;
        --warmup) WARMUP=${2:?$1 needs a value}; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
    shift
done
check_int duration "$DURATION" 5 30
check_int slots "$SLOTS" 1 64
check_int service-ms "$SERVICE_MS" 1 200
check_int warmup "$WARMUP" 0 60
[[ $ALGORITHM == gradient2 || $ALGORITHM == vegas ]] || die "--algorithm is gradient2 or vegas, got '$ALGORITHM'"
IFS=',' read -r -a LEVEL_LIST <<<"$LEVELS"
((${#LEVEL_LIST[@]} >= 1 && ${#LEVEL_LIST[@]} <= 5)) || die "--levels takes 1 to 5 levels"
for level in "${LEVEL_LIST[@]}"; do check_int level "$level" 1 1000; done

# As bench/run.sh does (bench/README.md, "Priority").
if ((EUID == 0)) && [[ -z ${NEXUS_BENCH_SESSION:-} && ${PRIORITY:--10} != 0 ]] && command -v setsid >/dev/null &&
    [[ $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null) == 1 ]]; then
    NEXUS_BENCH_SESSION=1 exec setsid --wait "$BASH" "${BASH_SOURCE[0]}" "${ARGS[@]}"
fi
if [[ -n ${NEXUS_BENCH_SESSION:-} ]]; then
    echo "${PRIORITY:--10}" >"/proc/$$/autogroup" || die "could not set the nice value of this session's autogroup"
fi

for tool in wrk curl taskset python3; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
"$JAVA" -version >/dev/null 2>&1 || die "no java: set JAVA_HOME"
[[ -f $JAR ]] || die "$JAR is missing: build it with 'mvn -B -DskipTests package'"
require_free_ports "$GATEWAY_PORT" "$ADMIN_PORT" "$UPSTREAM_PORT"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nexus-adaptive.XXXXXX")
STARTED=()
GATEWAY_PID=
cleanup() {
    local status=$? pid
    trap - EXIT INT TERM
    for pid in "${STARTED[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 1
    for pid in "${STARTED[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null
    ((status == 0)) || tail -n 20 "$WORK"/gateway-*.log >&2 2>/dev/null || true
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

budget=$((2 * (WARMUP + 15 + ${#LEVEL_LIST[@]} * (DURATION + 6)) + 10))
log "upstream $SLOTS slots x ${SERVICE_MS} ms; levels ${LEVEL_LIST[*]} clients; fixed, then adaptive ($ALGORITHM); at most ~${budget} s"

taskset -c "$LOAD_CPU" python3 "$ROOT/bench/queueing_upstream.py" "$UPSTREAM_PORT" "$SLOTS" "$SERVICE_MS" >"$WORK/upstream.log" 2>&1 &
STARTED+=("$!")

write_status_lua "$WORK/status.lua"
load() { # connections seconds url out
    status_load "$WORK/status.lua" "$@"
}

start_gateway() { # mode
    local adaptive=false i
    [[ $1 == adaptive ]] && adaptive=true
    cat >"$WORK/gateway-$1.conf" <<CONF
nexus {
  server {
    host = "127.0.0.1", port = $GATEWAY_PORT, shutdown { drain-delay = 0s, timeout = 5s }
    adaptive-concurrency { enabled = $adaptive, algorithm = $ALGORITHM }
  }
  admin { port = $ADMIN_PORT }
  upstreams { queueing { targets = ["http://127.0.0.1:$UPSTREAM_PORT"] } }
  routes = [{ name = "queueing", path = "/", upstream = "queueing" }]
}
CONF
    NEXUS_LAST_KNOWN_GOOD="$WORK/last-known-good-$1.conf" taskset -c "$PROXY_CPU" env -u NEXUS_PORT \
        "$JAVA" -XX:ActiveProcessorCount=1 "-Xms$HEAP" "-Xmx$HEAP" -jar "$JAR" --config "$WORK/gateway-$1.conf" >"$WORK/gateway-$1.log" 2>&1 &
    GATEWAY_PID=$!
    STARTED+=("$GATEWAY_PID")
    for ((i = 0; ; i++)); do
        kill -0 "$GATEWAY_PID" 2>/dev/null || die "the $1 gateway exited during start-up"
        [[ $(http_status "$ADMIN_PORT" /readyz || true) == 200 ]] && break
        ((i < 600)) || die "the $1 gateway was not ready after 60 s"
        sleep 0.1
    done
}

stop_gateway() {
    kill -TERM "$GATEWAY_PID" 2>/dev/null || true
    wait "$GATEWAY_PID" 2>/dev/null || true
}

limit() { curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" | awk '$1 == "nexus_concurrency_limit" { printf "%d", $2 }'; }

for mode in fixed adaptive; do
    start_gateway "$mode"
    if ((WARMUP > 0)); then
        # The upstream's own slot count: no queueing, so the adaptive limit learns the unloaded latency.
        log "$mode: warm-up ${WARMUP}s at $SLOTS clients"
        load "$SLOTS" "$WARMUP" "http://127.0.0.1:$GATEWAY_PORT/" "$WORK/warmup-$mode.txt"
    fi
    for clients in "${LEVEL_LIST[@]}"; do
        label="$mode-$clients"
        log "$label: wrk -c$clients for ${DURATION}s"
        wc -c <"$WORK/gateway-$mode.log" >"$WORK/offset-$label"
        load "$clients" "$DURATION" "http://127.0.0.1:$GATEWAY_PORT/" "$WORK/run-$label.txt"
        limit >"$WORK/limit-$label.txt" || true
        sleep 2 # the access log catches up
        tail -c +$(($(cat "$WORK/offset-$label") + 1)) "$WORK/gateway-$mode.log" >"$WORK/log-$label.txt"
        sleep 2 # the upstream's queue drains before the next level
    done
    stop_gateway
done

# ---------------------------------------------------------------- report

mkdir -p "$RESULTS_DIR"
REPORT="$RESULTS_DIR/adaptive-$(date -u +%Y%m%dT%H%M%SZ).md"
BENCH_LIB="$ROOT/bench/lib" python3 - "$WORK" "$SLOTS" "$SERVICE_MS" "$ALGORITHM" "${LEVEL_LIST[@]}" <<'PY' | tee "$REPORT"
import json, os, sys
sys.path.insert(0, os.environ["BENCH_LIB"])
from wrk_status import pct, wrk

work, slots, service_ms, algorithm = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
levels = sys.argv[5:]


capacity = slots * 1000 / service_ms
print(f"Upstream: {slots} slots x {service_ms} ms, the rest queued in arrival order: capacity {capacity:,.0f} req/s,"
      f" latency {service_ms} ms unloaded and clients / {slots} x {service_ms} ms beyond {slots} clients."
      f" Adaptive: {algorithm}, reference.conf's bounds.")
print()
print("| limit | clients | 200/s (goodput) | of capacity | 503/s | other | p50 of 200s | p99 of 200s (gateway) | p99 all (wrk) | limit at the end |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for mode in ("fixed", "adaptive"):
    for clients in levels:
        label = f"{mode}-{clients}"
        run = wrk(f"{work}/run-{label}.txt")
        seconds = run["duration_us"] / 1e6
        ok = run["status"].get(200, 0)
        shed = run["status"].get(503, 0)
        other = sum(n for s, n in run["status"].items() if s not in (200, 503)) + run["socket_errors"]
        admitted = []
        for line in open(f"{work}/log-{label}.txt", errors="replace"):
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("logger") == "nexus.access" and event.get("status") == 200 and "duration_ms" in event:
                admitted.append(float(event["duration_ms"]))
        limit = open(f"{work}/limit-{label}.txt").read().strip() or "?"
        print(f"| {mode} | {clients} | {ok / seconds:,.0f} | {ok / seconds / capacity:.0%} | {shed / seconds:,.0f} | {other}"
              f" | {pct(admitted, 50):,.0f} ms | {pct(admitted, 99):,.0f} ms (n={len(admitted)}) | {run['p99_ms']:,.0f} ms | {limit} |")
PY
log "report: $REPORT"
