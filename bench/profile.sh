#!/usr/bin/env bash
# Flame graphs of the gateway under load: CPU, allocation and lock contention, one per event,
# taken with async-profiler after a JIT warm-up. Same set-up as bench/run.sh: the gateway on one
# core, wrk and an nginx upstream on the other.
#
#   bench/profile.sh [--events cpu,alloc,lock] [--duration 20] [--warmup 120] [--connections 64]
#
# Writes bench/results/profile-<UTC time>/: <event>.html (flame graph), <event>.collapsed
# (folded stacks, not committed: .gitignore) and summary.md (top frames, req/s per phase,
# CPU, allocation and lock wait per request).
# async-profiler comes from Maven Central (tools.profiler:async-profiler, its native library
# for linux-x64 or arm64). Needs wrk, nginx, taskset, Maven and a JDK 21+ (jcmd attaches).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
EVENTS=${EVENTS:-cpu,alloc,lock}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-120}
CONNS=${CONNS:-64}
AP_VERSION=${AP_VERSION:-4.2}
UPSTREAM_PORT=${UPSTREAM_PORT:-18380}
GATEWAY_PORT=${GATEWAY_PORT:-18390}
ADMIN_PORT=${ADMIN_PORT:-18391}
JAR=${JAR:-$ROOT/gateway-launcher/target/nexus-gateway.jar}
OUT=${OUT:-$ROOT/bench/results/profile-$(date -u +%Y%m%dT%H%M%SZ)}

while (($#)); do
    case $1 in
        --events) EVENTS=${2:?}; shift ;;
        --duration) DURATION=${2:?}; shift ;;
        --warmup) WARMUP=${2:?}; shift ;;
        --connections) CONNS=${2:?}; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
for n in "$DURATION" "$WARMUP" "$CONNS"; do
    [[ $n =~ ^[0-9]+$ ]] && ((n <= 600)) || { echo "durations and connections are 0-600, got $n" >&2; exit 2; }
done

log() { printf '[profile %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in wrk nginx taskset curl mvn; do command -v "$tool" >/dev/null || die "$tool is missing"; done
require_free_ports "$UPSTREAM_PORT" "$GATEWAY_PORT" "$ADMIN_PORT"
JAVA_HOME=$("$ROOT/scripts/java-home.sh") || die "no JDK 21+ found: set JAVA_HOME"
JCMD=$JAVA_HOME/bin/jcmd
[[ -x $JCMD ]] || die "$JCMD is missing: a JDK (not a JRE) is needed to attach the profiler"

case $(uname -m) in
    x86_64) AP_DIR=linux-x64 ;;
    aarch64) AP_DIR=linux-arm64 ;;
    *) die "async-profiler has no library for $(uname -m)" ;;
esac
AP_JAR=$HOME/.m2/repository/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION.jar
if [[ ! -f $AP_JAR ]]; then
    log "fetching async-profiler $AP_VERSION from Maven Central"
    JAVA_HOME=$JAVA_HOME mvn -B -q -ntp dependency:get -Dartifact="tools.profiler:async-profiler:$AP_VERSION" >&2
fi
if [[ ! -f $JAR ]]; then
    log "building $JAR"
    (cd "$ROOT" && JAVA_HOME=$JAVA_HOME mvn -B -q -ntp -DskipTests package) >&2
fi

WORK=$(mktemp -d /tmp/nexus-profile.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
# Every step is bounded; this bounds the whole run as well.
( sleep $((WARMUP + 3 * (DURATION + 30) + 120)); log "time is up"; kill -TERM $$ ) 2>/dev/null &
PIDS+=($!)

(cd "$WORK" && unzip -q -o "$AP_JAR" "$AP_DIR/libasyncProfiler.so")
LIB=$WORK/$AP_DIR/libasyncProfiler.so
mkdir -p "$OUT" "$WORK/upstream"

write_upstream_conf "$WORK/upstream" "$UPSTREAM_PORT"
taskset -c 0 nginx -p "$WORK/upstream" -e "$WORK/upstream/error.log" -c "$WORK/upstream/nginx.conf" >/dev/null 2>&1 &
PIDS+=($!)

write_gateway_conf "$WORK/gateway.conf" "$GATEWAY_PORT" "$ADMIN_PORT" "$UPSTREAM_PORT"
taskset -c 1 "$JAVA_HOME/bin/java" -XX:ActiveProcessorCount=1 -Xms512m -Xmx512m -XX:+UnlockDiagnosticVMOptions \
    -XX:+DebugNonSafepoints -jar "$JAR" --config "$WORK/gateway.conf" >"$WORK/gateway.log" 2>&1 &
GATEWAY=$!
PIDS+=("$GATEWAY")
for _ in $(seq 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$GATEWAY_PORT/" && break
    kill -0 "$GATEWAY" 2>/dev/null || { tail -20 "$WORK/gateway.log" >&2; die "the gateway exited"; }
    sleep 0.2
done
curl -sf -o /dev/null "http://127.0.0.1:$GATEWAY_PORT/" || die "the gateway did not answer"

load() { # seconds output
    taskset -c 0 wrk -t1 -c"$CONNS" -d"${1}s" --latency "http://127.0.0.1:$GATEWAY_PORT/" >"$2"
}
requests() { awk '/requests in/ { print $1 }' "$1"; }
rps() { awk '/Requests\/sec/ { printf "%.0f", $2 }' "$1"; }
agent() { # the agent's argument string: quoted, or jcmd would read its '=' as its own option
    "$JCMD" "$GATEWAY" JVMTI.agent_load "$LIB" "\"$1\"" >/dev/null
}

log "warming up for ${WARMUP}s at $CONNS connections"
load "$WARMUP" "$WORK/warmup.txt"
{
    echo "# Gateway profile $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "$(nproc) CPUs, gateway pinned to CPU 1 with -XX:ActiveProcessorCount=1 -Xms512m -Xmx512m,"
    echo "wrk -t1 -c$CONNS and a 1-worker nginx upstream on CPU 0; warm-up ${WARMUP}s: $(rps "$WORK/warmup.txt") req/s at its end."
    echo "async-profiler $AP_VERSION; each event profiled over its own ${DURATION}s of load."
} >"$OUT/summary.md"

IFS=, read -r -a events <<<"$EVENTS"
for event in "${events[@]}"; do
    case $event in cpu|alloc|lock|wall) ;; *) die "unknown event $event (cpu, alloc, lock, wall)" ;; esac
    log "profiling $event for ${DURATION}s"
    agent "start,event=$event,file=$OUT/$event.html"
    load "$DURATION" "$WORK/$event.txt"
    agent "dump,file=$OUT/$event.html"
    # total: the folded stacks count nanoseconds (cpu, lock) or bytes (alloc), not samples.
    agent "stop,collapsed,total,file=$OUT/$event.collapsed"
    n=$(requests "$WORK/$event.txt")
    {
        echo
        echo "## $event: $(rps "$WORK/$event.txt") req/s while profiled"
        echo
        # Per request: CPU or lock-wait nanoseconds, or bytes allocated (sampled, so an estimate).
        awk -v n="$n" -v event="$event" '
            { total += $NF }
            END { printf "%s per request: %.0f %s\n", event, total / n, event == "alloc" ? "bytes" : "ns" }' "$OUT/$event.collapsed"
        echo
        [[ -s $OUT/$event.collapsed ]] || echo "(no samples: nothing of this kind happened while profiled)"
        echo '```'
        # Self share by frame, the top 25.
        awk '
            { count = $NF; sub(/ [0-9]+$/, ""); k = split($0, f, ";"); self[f[k]] += count; total += count }
            END { for (frame in self) printf "%6.2f%%  %s\n", 100 * self[frame] / total, frame }' "$OUT/$event.collapsed" |
            sort -k1,1 -nr | head -25
        echo '```'
    } >>"$OUT/summary.md"
done
log "done: $OUT/summary.md and one flame graph per event"
