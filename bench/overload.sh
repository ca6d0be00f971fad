#!/usr/bin/env bash
# Overload benchmark (issue 28): goodput and p99 of the gateway in front of a slow but healthy
# upstream at 1x, 2x, 5x and 10x the upstream's capacity, with the default limits, and the p99
# of /healthz and /readyz on the admin port meanwhile. Method: bench/README.md, "Overload".
# Usage: bench/overload.sh --help
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
ARGS=("$@")

usage() {
    cat <<'EOF'
Usage: bench/overload.sh [options]

  -d, --duration SECONDS  one measured wrk run per load level, 5-60 [DURATION, default 15]
      --levels LIST       load levels as multiples of the upstream's capacity, comma-separated,
                          each 1-20 [LEVELS, default 1,2,5,10]
      --delay-ms MS       the upstream's fixed latency, 10-2000 [DELAY_MS, default 100]
      --warmup SECONDS    JIT warm-up of the gateway at 2x before measuring, 0-180 [WARMUP, default 40]
      --no-compare        leave out the two comparison runs at the highest level: a queue of
                          1,024 (the old default) and none (every request beyond the places
                          refused at once, the public port saturated with 503s) [COMPARE=0]
  -h, --help              this text

Environment: JAR (gateway-launcher/target/nexus-gateway.jar), JAVA_HOME, HEAP (512m),
GATEWAY_PORT 28180, ADMIN_PORT 29190, UPSTREAM_PORT 28181, LOAD_CPU 0, PROXY_CPU 1,
RESULTS_DIR (bench/results), PRIORITY (autogroup nice as root, -10; 0 turns it off). Needs wrk, curl, taskset, python3 and Java 21+.
EOF
}

die() { echo "overload.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

DURATION=${DURATION:-15}
LEVELS=${LEVELS:-1,2,5,10}
DELAY_MS=${DELAY_MS:-100}
WARMUP=${WARMUP:-40}
COMPARE=${COMPARE:-1}
HEAP=${HEAP:-512m}
GATEWAY_PORT=${GATEWAY_PORT:-28180}
ADMIN_PORT=${ADMIN_PORT:-29190}
UPSTREAM_PORT=${UPSTREAM_PORT:-28181}
LOAD_CPU=${LOAD_CPU:-0}
PROXY_CPU=${PROXY_CPU:-1}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}
JAR=${JAR:-$ROOT/gateway-launcher/target/nexus-gateway.jar}
# The gateway's default max-connections-per-target, hence its places (max-requests = auto) for
# one target: the upstream's capacity behind it is PLACES / delay.
PLACES=200

while (($# > 0)); do
    case $1 in
        -d | --duration) DURATION=${2:?$1 needs a value}; shift ;;
        --levels) LEVELS=${2:?$1 needs a value}; shift ;;
        --delay-ms) DELAY_MS=${2:?$1 needs a value}; shift ;;
        --warmup) WARMUP=${2:?$1 needs a value}; shift ;;
        --no-compare) COMPARE=0 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
    shift
done
check_int duration "$DURATION" 5 60
check_int delay-ms "$DELAY_MS" 10 2000
check_int warmup "$WARMUP" 0 180
IFS=',' read -r -a LEVEL_LIST <<<"$LEVELS"
((${#LEVEL_LIST[@]} >= 1 && ${#LEVEL_LIST[@]} <= 6)) || die "--levels takes 1 to 6 levels"
for level in "${LEVEL_LIST[@]}"; do check_int level "$level" 1 20; done

# As bench/run.sh does (bench/README.md, "Priority"): as root, a session of its own whose autogroup
# gets nice -10, so that a build or tests on the machine cannot take the measured cores.
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
# 10x is 2,000 client connections, and as many gateway-side sockets.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nexus-overload.XXXXXX")
STARTED=()
cleanup() {
    local status=$? pid
    trap - EXIT INT TERM
    for pid in "${STARTED[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 1
    for pid in "${STARTED[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null
    ((status == 0)) || tail -n 20 "$WORK/gateway.log" >&2 2>/dev/null || true
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The runs: label, clients, path (the route picks the upstream and its limits).
RUNS=()
for level in "${LEVEL_LIST[@]}"; do RUNS+=("${level}x $((level * PLACES)) /"); done
top=$(printf '%s\n' "${LEVEL_LIST[@]}" | sort -n | tail -n 1)
if ((COMPARE)); then
    RUNS+=("${top}x,queue-1024 $((top * PLACES)) /queue-1024" "${top}x,queue-0 $((top * PLACES)) /queue-0")
fi
budget=$((WARMUP + (${#RUNS[@]} + 1) * (DURATION + 8) + 30))
log "levels ${LEVEL_LIST[*]}x of $PLACES places / ${DELAY_MS} ms; at most ~${budget} s"

# ---------------------------------------------------------------- upstream and gateway

taskset -c "$LOAD_CPU" python3 "$ROOT/bench/slow_upstream.py" "$UPSTREAM_PORT" "$DELAY_MS" >"$WORK/upstream.log" 2>&1 &
STARTED+=("$!")
# Default limits: only the addresses, the routes and a quick shutdown are set. The comparison
# runs go to the same upstream through upstreams of their own with a shorter queue.
target="\"http://127.0.0.1:$UPSTREAM_PORT\""
cat >"$WORK/gateway.conf" <<CONF
nexus {
  server { host = "127.0.0.1", port = $GATEWAY_PORT, shutdown { drain-delay = 0s, timeout = 5s } }
  admin { port = $ADMIN_PORT }
  upstreams {
    slow { targets = [$target] }
    queue-1024 { targets = [$target], max-pending-requests = 1024 }
    queue-0 { targets = [$target], max-pending-requests = 0 }
  }
  routes = [
    { name = "queue-1024", path = "/queue-1024", upstream = "queue-1024" }
    { name = "queue-0", path = "/queue-0", upstream = "queue-0" }
    { name = "slow", path = "/", upstream = "slow" }
  ]
}
CONF
NEXUS_LAST_KNOWN_GOOD="$WORK/last-known-good.conf" taskset -c "$PROXY_CPU" env -u NEXUS_PORT \
    "$JAVA" -XX:ActiveProcessorCount=1 "-Xms$HEAP" "-Xmx$HEAP" -jar "$JAR" --config "$WORK/gateway.conf" >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
STARTED+=("$GATEWAY_PID")
for ((i = 0; ; i++)); do
    kill -0 "$GATEWAY_PID" 2>/dev/null || die "the gateway exited during start-up"
    [[ $(http_status "$ADMIN_PORT" /readyz || true) == 200 ]] && break
    ((i < 600)) || die "the gateway was not ready after 60 s"
    sleep 0.1
done

write_status_lua "$WORK/status.lua"
load() { # connections seconds url out
    status_load "$WORK/status.lua" "$@"
}

# Probes both endpoints ten times a second until the given time (epoch seconds), one line each.
probe() { # until out
    local path
    while (($(date +%s) < $1)); do
        for path in /healthz /readyz; do
            # A little ahead of wrk on its core: the kubelet is not queued behind the load.
            taskset -c "$LOAD_CPU" nice -n -5 curl -s -o /dev/null --max-time 5 -w "$path %{http_code} %{time_total}\n" \
                "http://127.0.0.1:$ADMIN_PORT$path" >>"$2" || echo "$path 000 5" >>"$2"
        done
        sleep 0.1
    done
}

log "capacity: wrk -c$PLACES straight to the upstream for ${DURATION}s"
load "$PLACES" "$DURATION" "http://127.0.0.1:$UPSTREAM_PORT/" "$WORK/direct.txt"
if ((WARMUP > 0)); then
    log "warm-up: ${WARMUP}s at 2x"
    load $((2 * PLACES)) "$WARMUP" "http://127.0.0.1:$GATEWAY_PORT/" "$WORK/warmup.txt"
fi

for run in "${RUNS[@]}"; do
    read -r label clients path <<<"$run"
    sleep 3 # the queue of the run before drains (queue-timeout 1 s)
    log "$label: wrk -c$clients for ${DURATION}s on $path"
    wc -c <"$WORK/gateway.log" >"$WORK/offset-$label"
    probe $(($(date +%s) + DURATION - 1)) "$WORK/probes-$label.txt" &
    prober=$!
    load "$clients" "$DURATION" "http://127.0.0.1:$GATEWAY_PORT$path" "$WORK/run-$label.txt"
    wait "$prober" || true
    curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" >"$WORK/metrics-$label.txt" || true
    sleep 2 # the access log's ring buffer and per-second summary catch up
    tail -c +$(($(cat "$WORK/offset-$label") + 1)) "$WORK/gateway.log" >"$WORK/log-$label.txt"
done

# ---------------------------------------------------------------- report

mkdir -p "$RESULTS_DIR"
REPORT="$RESULTS_DIR/overload-$(date -u +%Y%m%dT%H%M%SZ).md"
BENCH_LIB="$ROOT/bench/lib" python3 - "$WORK" "$PLACES" "$DELAY_MS" "$DURATION" "${RUNS[@]}" <<'PY' | tee "$REPORT"
import json, os, sys
sys.path.insert(0, os.environ["BENCH_LIB"])
from wrk_status import pct, wrk

work, places, delay_ms, duration = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
runs = [run.split() for run in sys.argv[5:]]


direct = wrk(f"{work}/direct.txt")
capacity = direct["status"].get(200, 0) / (direct["duration_us"] / 1e6)
print(f"Upstream: fixed {delay_ms} ms, {places} places (max-requests = auto: 1 target x max-connections-per-target 200);"
      f" capacity measured straight with wrk -c{places}: {capacity:,.0f} req/s (ideal {places * 1000 / delay_ms:,.0f}).")
print()
print("| load | clients | queue | 200/s (goodput) | of capacity | 503/s | 502 | other | p99 of 200s (gateway) | p99 all (wrk) | access-log lines/s | /healthz p99 | /readyz p99 | probes > 1 s | breaker |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
for label, clients, path in runs:
    run = wrk(f"{work}/run-{label}.txt")
    upstream = path.strip("/") or "slow"
    queue = {"slow": "4096 (default)", "queue-1024": "1024", "queue-0": "0"}[upstream]
    seconds = run["duration_us"] / 1e6
    ok = run["status"].get(200, 0)
    shed = run["status"].get(503, 0)
    bad = run["status"].get(502, 0)
    other = sum(n for s, n in run["status"].items() if s not in (200, 502, 503)) + run["socket_errors"]
    admitted, lines = [], 0
    for line in open(f"{work}/log-{label}.txt", errors="replace"):
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("logger") == "nexus.access":
            lines += 1
            if event.get("status") == 200 and "duration_ms" in event:
                admitted.append(float(event["duration_ms"]))
    probes = {"/healthz": [], "/readyz": []}
    slow = 0
    for line in open(f"{work}/probes-{label}.txt", errors="replace"):
        parts = line.split()
        if len(parts) == 3 and parts[0] in probes:
            millis = float(parts[2]) * 1000
            probes[parts[0]].append(millis)
            slow += parts[1] != "200" or millis > 1000
    metrics = open(f"{work}/metrics-{label}.txt", errors="replace").read()
    opened = [line for line in metrics.splitlines()
              if line.startswith(f'nexus_circuit_breaker_transitions_total{{from="closed",to="open",upstream="{upstream}"}}')]
    breaker = "opened" if opened and float(opened[0].split()[-1]) > 0 else "closed"
    print(f"| {label.split(',')[0]} | {clients} | {queue} | {ok / seconds:,.0f} | {ok / seconds / capacity:.0%} | {shed / seconds:,.0f} | {bad} | {other}"
          f" | {pct(admitted, 99):,.0f} ms (n={len(admitted)}) | {run['p99_ms']:,.0f} ms | {lines / seconds:,.0f}"
          f" | {pct(probes['/healthz'], 99):.1f} ms | {pct(probes['/readyz'], 99):.1f} ms | {slow} of {sum(map(len, probes.values()))} | {breaker} |")
PY
log "report: $REPORT"
