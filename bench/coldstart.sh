#!/usr/bin/env bash
# Cold start (issue 18, target 4): time from exec to /readyz 200, then full load at once on the
# just-ready gateway, with and without the AOT cache the build trains (JDK 25+).
#
#   bench/coldstart.sh [--rounds 3] [--seconds 30] [--connections 64] [--warmup 60] [--warm-seconds 10]
#
# Each round starts the gateway twice, once plain and once with -XX:AOTCache (in turns, the order
# swapped every round), like a 1-CPU container (-XX:ActiveProcessorCount=1 -Xms512m -Xmx512m),
# pinned to PROXY_CPU; nginx (the upstream) and wrk on LOAD_CPU, as bench/run.sh does. The
# moment /readyz answers 200 on the admin port (polled every 10 ms), wrk puts CONNECTIONS
# connections on it for SECONDS seconds, timeout 2 s (wrk's default). Reported per start: ms to
# ready, req/s in each second since exec, non-2xx answers, socket errors and timeouts, p99 and
# max latency. Then one gateway with the cache is warmed up for WARMUP s and measured for
# WARM_SECONDS s: the warm figure the first seconds are compared with.
#
# Environment: JAR [gateway-launcher/target/nexus-gateway.jar], AOT [the .aot next to it: the
# build writes it with JDK 25+], LOAD_CPU, PROXY_CPU [0, 1], UPSTREAM_PORT, GATEWAY_PORT,
# ADMIN_PORT [18681, 18680, 18690], RESULTS_DIR [bench/results]. Needs wrk, nginx, taskset and
# JDK 25+ (scripts/java-home.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# Other work on the machine takes CPU from the measured processes: as root, the run gets a
# session of its own (its autogroup, with scheduler autogroups on) at nice -10, inherited by all
# it starts, as bench/run.sh does.
if ((EUID == 0)) && [[ -z ${NEXUS_BENCH_SESSION:-} && $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null) == 1 ]] &&
    command -v setsid >/dev/null; then
    NEXUS_BENCH_SESSION=1 exec setsid --wait "$BASH" "$0" "$@"
fi
[[ -z ${NEXUS_BENCH_SESSION:-} ]] || echo -10 >"/proc/$$/autogroup"

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
ROUNDS=${ROUNDS:-3}
SECONDS_COLD=${SECONDS_COLD:-30}
CONNS=${CONNS:-64}
WARMUP=${WARMUP:-60}
WARM_SECONDS=${WARM_SECONDS:-10}
LOAD_CPU=${LOAD_CPU:-0}
PROXY_CPU=${PROXY_CPU:-1}
UPSTREAM_PORT=${UPSTREAM_PORT:-18681}
GATEWAY_PORT=${GATEWAY_PORT:-18680}
ADMIN_PORT=${ADMIN_PORT:-18690}
JAR=${JAR:-$ROOT/gateway-launcher/target/nexus-gateway.jar}
AOT=${AOT:-${JAR%.jar}.aot}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}

while (($#)); do
    case $1 in
        --rounds) ROUNDS=${2:?}; shift ;;
        --seconds) SECONDS_COLD=${2:?}; shift ;;
        --connections) CONNS=${2:?}; shift ;;
        --warmup) WARMUP=${2:?}; shift ;;
        --warm-seconds) WARM_SECONDS=${2:?}; shift ;;
        -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
check_int() { # name value min max
    [[ $2 =~ ^[0-9]+$ ]] && (($2 >= $3 && $2 <= $4)) || { echo "$1 must be an integer in $3..$4, got '$2'" >&2; exit 2; }
}
check_int rounds "$ROUNDS" 1 10
check_int seconds "$SECONDS_COLD" 5 60
check_int connections "$CONNS" 1 1024
check_int warmup "$WARMUP" 0 300
check_int warm-seconds "$WARM_SECONDS" 1 60

log() { printf '[coldstart %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in wrk nginx taskset; do command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt-get install -y $tool)"; done
require_free_ports "$UPSTREAM_PORT" "$GATEWAY_PORT" "$ADMIN_PORT"
JAVA_HOME=$("$ROOT/scripts/java-home.sh") || die "no JDK found: set JAVA_HOME"
JAVA=$JAVA_HOME/bin/java
major=$("$JAVA" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
((major >= 25)) || die "the AOT cache needs JDK 25+, $JAVA is $major"
[[ -f $JAR ]] || die "$JAR is missing: mvn -B -DskipTests package -pl gateway-launcher -am (JDK 25+ also writes the AOT cache)"
[[ -s $AOT ]] || die "$AOT is missing: the build writes it with JDK 25+ unless -Dnexus.aot.skip"
[[ ! $JAR -nt $AOT ]] || die "$AOT is older than $JAR: rebuild (mvn package) so that the cache matches the jar"

WORK=$(mktemp -d /tmp/nexus-coldstart.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
BUDGET=$((ROUNDS * 2 * (SECONDS_COLD + 40) + WARMUP + WARM_SECONDS + 120))
( sleep "$BUDGET"; log "time is up after ${BUDGET}s"; kill -TERM $$ ) 2>/dev/null &
PIDS+=($!)
# This script (the readiness poll, the clock) and wrk share the load core with the upstream.
taskset -p -c "$LOAD_CPU" $$ >/dev/null

write_upstream_conf "$WORK/upstream" "$UPSTREAM_PORT"
taskset -c "$LOAD_CPU" nginx -p "$WORK/upstream" -e "$WORK/upstream/error.log" -c "$WORK/upstream/nginx.conf" >/dev/null 2>&1 &
PIDS+=($!)
write_gateway_conf "$WORK/gateway.conf" "$GATEWAY_PORT" "$ADMIN_PORT" "$UPSTREAM_PORT"
for _ in $(seq 100); do port_in_use "$UPSTREAM_PORT" && break; sleep 0.05; done

# Responses counted per second since exec (the clock of `date +%s%N`, CLOCK_REALTIME), by
# 2xx or not; wrk's own summary gives the socket errors, timeouts and latency.
cat >"$WORK/seconds.lua" <<'LUA'
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } coldstart_timespec;
int clock_gettime(int clock, coldstart_timespec *ts);
]]
local now = ffi.new("coldstart_timespec")
local origin = tonumber(os.getenv("COLDSTART_EXEC_MS"))
local threads = {}
function setup(thread) table.insert(threads, thread) end
ok, bad = {}, {}
function response(status, headers, body)
    ffi.C.clock_gettime(0, now)
    local second = math.floor((tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6 - origin) / 1000)
    if status >= 200 and status < 300 then ok[second] = (ok[second] or 0) + 1 else bad[second] = (bad[second] or 0) + 1 end
end
function done(summary, latency, requests)
    for _, thread in ipairs(threads) do
        for second, n in pairs(thread:get("ok")) do io.write(string.format("ok %d %d\n", second, n)) end
        for second, n in pairs(thread:get("bad")) do io.write(string.format("bad %d %d\n", second, n)) end
    end
    local e = summary.errors
    io.write(string.format("errors %d %d %d %d\n", e.connect, e.read, e.write, e.timeout))
    io.write(string.format("latency %.1f %.1f\n", latency:percentile(99) / 1000, latency.max / 1000))
    io.write(string.format("total %d %d\n", summary.requests, summary.duration))
end
LUA

jvm_opts=(-XX:ActiveProcessorCount=1 -Xms512m -Xmx512m -XX:+ExitOnOutOfMemoryError)
GATEWAY=""
start_gateway() { # name [jvm options...]: sets GATEWAY, exports COLDSTART_EXEC_MS
    local name=$1
    shift
    COLDSTART_EXEC_MS=$(($(date +%s%N) / 1000000))
    export COLDSTART_EXEC_MS
    NEXUS_LAST_KNOWN_GOOD="$WORK/last-known-good.conf" taskset -c "$PROXY_CPU" env -u NEXUS_PORT -u NEXUS_CONFIG \
        "$JAVA" "${jvm_opts[@]}" "$@" -jar "$JAR" --config "$WORK/gateway.conf" >"$WORK/$name.log" 2>&1 &
    GATEWAY=$!
    PIDS+=("$GATEWAY")
}
await_ready() { # name: prints ms from exec to /readyz 200
    local code
    for _ in $(seq 3000); do
        code=$(http_status "$ADMIN_PORT" /readyz || true)
        if [[ $code == 200 ]]; then
            echo $(($(date +%s%N) / 1000000 - COLDSTART_EXEC_MS))
            return 0
        fi
        kill -0 "$GATEWAY" 2>/dev/null || die "the gateway ($1) exited: $(tail -n 5 "$WORK/$1.log")"
        sleep 0.01
    done
    die "the gateway ($1) was not ready after 30 s: $(tail -n 5 "$WORK/$1.log")"
}
stop_gateway() {
    kill -TERM "$GATEWAY" 2>/dev/null || true
    wait "$GATEWAY" 2>/dev/null || true
}
load() { # seconds out
    timeout $(($1 + 30)) taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"$1s" --timeout 2s -s "$WORK/seconds.lua" \
        "http://127.0.0.1:$GATEWAY_PORT/" >"$2" 2>&1 || true
}

mkdir -p "$RESULTS_DIR"
RESULT=$RESULTS_DIR/coldstart-$(date -u +%Y%m%dT%H%M%SZ).txt
log "jar $JAR, cache $AOT ($(du -m "$AOT" | cut -f1) MB); $ROUNDS rounds x 2 starts x ${SECONDS_COLD}s at c$CONNS, then ${WARMUP}s warm-up + ${WARM_SECONDS}s warm"
for round in $(seq "$ROUNDS"); do
    modes=(plain aot)
    ((round % 2 == 0)) && modes=(aot plain)
    for mode in "${modes[@]}"; do
        name=$mode-$round
        if [[ $mode == aot ]]; then start_gateway "$name" "-XX:AOTCache=$AOT"; else start_gateway "$name"; fi
        ready=$(await_ready "$name")
        load "$SECONDS_COLD" "$WORK/$name.wrk"
        stop_gateway
        grep -q '^total ' "$WORK/$name.wrk" || die "wrk failed: $(tail -n 3 "$WORK/$name.wrk")"
        echo "ready $ready" >>"$WORK/$name.wrk"
        # A cache the JVM refused is a warning in the log, not a failure: such a run is no AOT run.
        if [[ $mode == aot ]] && grep -qi 'aot.*\(mismatch\|unable\|disabled\|error\)' "$WORK/$name.log"; then
            die "the JVM did not use $AOT: $(grep -i aot "$WORK/$name.log" | head -n 3)"
        fi
        log "$name: ready in ${ready} ms; $(awk '/^total/ {n = $2} /^errors/ {e = $2 + $3 + $4; t = $5} /^latency/ {p = $2; m = $3} /^bad/ {b += $3}
            END {printf "%d requests, non-2xx %d, socket errors %d, timeouts %d, p99 %s ms, max %s ms", n, b, e, t, p, m}' "$WORK/$name.wrk")"
    done
done

log "warm figure: ${WARMUP}s warm-up, then ${WARM_SECONDS}s measured"
start_gateway warm "-XX:AOTCache=$AOT"
await_ready warm >/dev/null
[[ $(http_status "$GATEWAY_PORT" / || true) == 200 ]] || die "the warm gateway does not answer on its public port: $(tail -n 5 "$WORK/warm.log")"
((WARMUP == 0)) || load "$WARMUP" "$WORK/warmup.wrk"
COLDSTART_EXEC_MS=$(($(date +%s%N) / 1000000))
export COLDSTART_EXEC_MS
load "$WARM_SECONDS" "$WORK/warm.wrk"
stop_gateway
grep -q '^ok ' "$WORK/warm.wrk" || die "the warm run got no 2xx answer: $(tail -n 3 "$WORK/warm.wrk")"

python3 - "$WORK" "$ROUNDS" "$SECONDS_COLD" "$WARM_SECONDS" "$CONNS" >"$RESULT" <<'PY'
import os, statistics, sys

work, rounds, seconds, warm_seconds, conns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]

def read(name):
    run = {"ok": {}, "bad": {}}
    for line in open(os.path.join(work, name + ".wrk"), errors="replace"):
        p = line.split()
        if len(p) == 3 and p[0] in ("ok", "bad"):
            run[p[0]][int(p[1])] = run[p[0]].get(int(p[1]), 0) + int(p[2])
        elif p[:1] == ["errors"]:
            run["socket"] = int(p[1]) + int(p[2]) + int(p[3])
            run["timeouts"] = int(p[4])
        elif p[:1] == ["latency"]:
            run["p99"], run["max"] = float(p[1]), float(p[2])
        elif p[:1] == ["total"]:
            run["requests"], run["duration_us"] = int(p[1]), int(p[2])
        elif p[:1] == ["ready"]:
            run["ready"] = int(p[1])
    return run

warm = read("warm")
# The median of the window's whole seconds: a second shared with other work does not drag it down.
warm_rps = statistics.median(warm["ok"].get(s, 0) for s in range(warm_seconds))
runs = {mode: [read(f"{mode}-{r}") for r in range(1, rounds + 1)] for mode in ("plain", "aot")}
label = {"plain": "no cache", "aot": "AOT cache"}

print(f"warm (AOT cache, after the warm-up): {warm_rps:,.0f} req/s at c{conns}; "
      f"non-2xx {sum(warm['bad'].values())}, socket errors {warm['socket']}, timeouts {warm['timeouts']}, p99 {warm['p99']} ms")
print()
print("| start | ready ms | req/s s1-s5 (since exec) | % of warm in s5 | first second >= 80% of warm | requests in 30 s | non-2xx | socket errors | timeouts | p99 ms | max ms |")
print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for mode in ("plain", "aot"):
    for r, run in enumerate(runs[mode], 1):
        per = [run["ok"].get(s, 0) for s in range(seconds + 2)]
        first = next((s + 1 for s, n in enumerate(per) if n >= 0.8 * warm_rps), None)
        print(f"| {label[mode]} #{r} | {run['ready']} | {' / '.join(f'{n:,}' for n in per[:5])} | {per[4] / warm_rps * 100:.0f}% "
              f"| {first if first else '-'} | {sum(run['ok'].values()):,} | {sum(run['bad'].values())} | {run['socket']} | {run['timeouts']} "
              f"| {run['p99']} | {run['max']} |")
print()
print("Median req/s per second since exec (s1 = the first second), and % of warm:")
print()
print("| second | " + " | ".join(label[m] for m in ("plain", "aot")) + " | " + " | ".join(label[m] + " % of warm" for m in ("plain", "aot")) + " |")
print("| ---: |" + " ---: |" * 4)
for s in range(seconds + 1):
    med = {m: statistics.median(run["ok"].get(s, 0) for run in runs[m]) for m in ("plain", "aot")}
    print(f"| {s + 1} | {med['plain']:,.0f} | {med['aot']:,.0f} | {med['plain'] / warm_rps * 100:.0f}% | {med['aot'] / warm_rps * 100:.0f}% |")
print()
print("Each start, 2xx answers per second since exec (a 0 between busy seconds is a stall):")
for mode in ("plain", "aot"):
    for r, run in enumerate(runs[mode], 1):
        print(f"- {label[mode]} #{r}: " + " ".join(str(run["ok"].get(s, 0)) for s in range(seconds + 1)))
for m in ("plain", "aot"):
    print(f"\n{label[m]}: ready median {statistics.median(run['ready'] for run in runs[m])} ms "
          f"({', '.join(str(run['ready']) for run in runs[m])})")
PY
cat "$RESULT"
log "written to $RESULT"
