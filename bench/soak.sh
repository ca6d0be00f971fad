#!/usr/bin/env bash
# Soak test of Nexus (PF3): the gateway under steady load at a fraction (70%) of its measured
# peak for a long time (10 minutes), started like a 1-CPU container (-XX:ActiveProcessorCount=1,
# -Xms = -Xmx, read back from the running JVM), reporting throughput, p99, collections, heap after
# GC and RSS at the start, every slice and the end, and whether they stayed flat.
# Usage: bench/soak.sh --help
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

usage() {
    cat <<'EOF'
Usage: bench/soak.sh [options]

Options (each also settable through the environment variable in brackets):
  -d, --duration SECONDS     length of the soak, 30-3600 [DURATION, default 600]
      --slice SECONDS        one wrk run; a sample of heap and RSS after each, 10-300
                             [SLICE, default 60; shorter soaks use duration/4 if that is smaller]
  -c, --connections N        wrk connections, 1-1024 [CONNECTIONS, default 64]
      --load PERCENT         load as a percentage of the measured peak, 10-100 [LOAD_PCT, default 70]
      --warmup SECONDS       JIT warm-up at full load before the peak is measured, 0-300 [WARMUP, default 60]
      --peak SECONDS         length of the peak measurement, 5-60 [PEAK_DURATION, default 10]
  -h, --help                 this text

Other environment variables:
  JAR                  gateway jar [gateway-launcher/target/nexus-gateway.jar, built if missing]
  JAVA_HOME            JDK 21+ (jcmd and jstat are needed, so a JDK, not a JRE)
  HEAP                 fixed heap of the gateway (-Xms = -Xmx) [512m]
  GATEWAY_JAVA_OPTS    extra JVM options, appended after -XX:ActiveProcessorCount=1 -Xms$HEAP -Xmx$HEAP
                       (the soak stops if the running JVM does not have one CPU and that heap)
  VIRTUAL_THREADS      true/false: sets nexus.server.virtual-threads (default: the gateway's)
  LOAD_CPU, PROXY_CPU  cores for wrk + upstream and for the gateway [0, 1]
  GATEWAY_PORT, ADMIN_PORT, UPSTREAM_PORT   [28080, 29090, 28081] (not run.sh's: both can coexist)
  RESULTS_DIR          where the report goes [bench/results]

Rate limiting: Debian has no wrk2 package, so the load is paced with plain wrk and a Lua
delay() between a connection's response and its next request (think time). The delay is set to
connections / target rate, then corrected once from a 10 s calibration run (it absorbs the
response time); fractional milliseconds are dithered (wrk's delay is whole ms).
EOF
}

die() {
    echo "soak.sh: $*" >&2
    exit 1
}

log() {
    echo "[$(date +%H:%M:%S)] $*" >&2
}

DURATION=${DURATION:-600}
SLICE=${SLICE:-60}
CONNECTIONS=${CONNECTIONS:-64}
LOAD_PCT=${LOAD_PCT:-70}
WARMUP=${WARMUP:-60}
PEAK_DURATION=${PEAK_DURATION:-10}
VIRTUAL_THREADS=${VIRTUAL_THREADS:-}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-}
HEAP=${HEAP:-512m}
LOAD_CPU=${LOAD_CPU:-0}
PROXY_CPU=${PROXY_CPU:-1}
GATEWAY_PORT=${GATEWAY_PORT:-28080}
ADMIN_PORT=${ADMIN_PORT:-29090}
UPSTREAM_PORT=${UPSTREAM_PORT:-28081}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}
JAR=${JAR:-$ROOT/gateway-launcher/target/nexus-gateway.jar}

while (($# > 0)); do
    case $1 in
        -d | --duration) DURATION=${2:?$1 needs a value}; shift ;;
        --slice) SLICE=${2:?$1 needs a value}; shift ;;
        -c | --connections) CONNECTIONS=${2:?$1 needs a value}; shift ;;
        --load) LOAD_PCT=${2:?$1 needs a value}; shift ;;
        --warmup) WARMUP=${2:?$1 needs a value}; shift ;;
        --peak) PEAK_DURATION=${2:?$1 needs a value}; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
    shift
done

check_int duration "$DURATION" 30 3600
check_int slice "$SLICE" 10 300
check_int connections "$CONNECTIONS" 1 1024
check_int load "$LOAD_PCT" 10 100
check_int warmup "$WARMUP" 0 300
check_int peak "$PEAK_DURATION" 5 60
for port in "$GATEWAY_PORT" "$ADMIN_PORT" "$UPSTREAM_PORT"; do check_int port "$port" 1024 65535; done
case $VIRTUAL_THREADS in "" | true | false) ;; *) die "VIRTUAL_THREADS must be true or false" ;; esac
[[ $HEAP =~ ^[0-9]+[mg]$ ]] || die "HEAP must look like 512m or 1g, got '$HEAP'"
# At least four samples in a soak: a trend needs more than two points.
((SLICE * 4 <= DURATION)) || SLICE=$((DURATION / 4))
((SLICE >= 10)) || SLICE=10
SLICES=$((DURATION / SLICE))

# ---------------------------------------------------------------- prerequisites

for tool in wrk taskset; do command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt-get install -y wrk util-linux)"; done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || die "nginx is missing (Debian: apt-get install -y nginx)"

find_jdk() { # prints a JDK home (with jcmd and jstat) of version 21+
    local home major
    local homes=()
    [[ -n ${JAVA_HOME:-} ]] && homes+=("$JAVA_HOME")
    for home in /usr/lib/jvm/*; do homes+=("$home"); done
    for home in "${homes[@]}"; do
        [[ -x $home/bin/java && -x $home/bin/jcmd && -x $home/bin/jstat ]] || continue
        major=$("$home/bin/java" -version 2>&1 | awk -F'"' '/version/ && !found { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); found = 1 }')
        if [[ $major =~ ^[0-9]+$ ]] && ((major >= 21)); then
            echo "$home"
            return 0
        fi
    done
    return 1
}
JDK=$(find_jdk) || die "no JDK 21+ with jcmd and jstat found: set JAVA_HOME"
JAVA=$JDK/bin/java JCMD=$JDK/bin/jcmd JSTAT=$JDK/bin/jstat

if [[ ! -f $JAR ]]; then
    command -v mvn >/dev/null || die "$JAR is missing and Maven is not installed"
    log "building $JAR (mvn -B -q -DskipTests package)"
    (cd "$ROOT" && JAVA_HOME=$JDK mvn -B -q -DskipTests package) >&2
    [[ -f $JAR ]] || die "the build did not produce $JAR"
fi

pin_cpus "$LOAD_CPU" "$PROXY_CPU"

require_free_ports "$GATEWAY_PORT" "$ADMIN_PORT" "$UPSTREAM_PORT"

# ---------------------------------------------------------------- cleanup

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nexus-soak.XXXXXX")
STARTED=()
cleanup() {
    local status=$? pid live=()
    trap - EXIT INT TERM
    for pid in "${STARTED[@]}"; do ours "$pid" && live+=("$pid"); done
    for pid in "${live[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        local alive=0
        for pid in "${live[@]}"; do ours "$pid" && alive=1; done
        ((alive)) || break
        sleep 0.5
    done
    for pid in "${live[@]}"; do ours "$pid" && kill -KILL "$pid" 2>/dev/null; done
    wait 2>/dev/null
    if ((status != 0)) && [[ -f $WORK/gateway.log ]]; then
        echo "--- last lines of the gateway log ---" >&2
        tail -n 20 "$WORK/gateway.log" >&2 || true
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

BUDGET=$((60 + WARMUP + PEAK_DURATION + 10 + DURATION + SLICES * 5 + 30))
log "at most ~${BUDGET}s: warm-up ${WARMUP}s, peak ${PEAK_DURATION}s, calibration 10s, soak ${DURATION}s in $SLICES slices of ${SLICE}s at ${LOAD_PCT}% of the peak"

# ---------------------------------------------------------------- upstream and gateway

write_upstream_conf "$WORK/upstream" "$UPSTREAM_PORT"
"${PIN_LOAD[@]}" "$NGINX" -p "$WORK/upstream" -e "$WORK/upstream/error.log" -c "$WORK/upstream/nginx.conf" >"$WORK/upstream/stdout.log" 2>&1 &
STARTED+=("$!")

write_gateway_conf "$WORK/gateway.conf" "$GATEWAY_PORT" "$ADMIN_PORT" "$UPSTREAM_PORT" "$VIRTUAL_THREADS"
# Like a 1-CPU container, as bench/run.sh starts every JVM.
jvm_opts=(-XX:ActiveProcessorCount=1 "-Xms$HEAP" "-Xmx$HEAP")
if [[ -n $GATEWAY_JAVA_OPTS ]]; then
    read -r -a extra_opts <<<"$GATEWAY_JAVA_OPTS"
    jvm_opts+=("${extra_opts[@]}")
fi
"${PIN_PROXY[@]}" "$JAVA" "${jvm_opts[@]}" -jar "$JAR" --config "$WORK/gateway.conf" >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
STARTED+=("$GATEWAY_PID")

log "waiting for the gateway (pid $GATEWAY_PID) to be ready"
for ((i = 0; ; i++)); do
    kill -0 "$GATEWAY_PID" 2>/dev/null || die "the gateway exited during start-up"
    [[ $(http_status "$ADMIN_PORT" /readyz || true) == 200 ]] && break
    ((i < 600)) || die "the gateway was not ready after 60 s"
    sleep 0.1
done
[[ $(http_status "$GATEWAY_PORT" / || true) == 200 ]] || die "the gateway does not answer 200 on /"
# What the JVM really runs with (JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS or GATEWAY_JAVA_OPTS could
# change it): one CPU and the fixed heap, else the soak would not measure a container's gateway.
flags=$("$JCMD" "$GATEWAY_PID" VM.flags 2>/dev/null) || die "jcmd VM.flags failed"
heap_bytes=$((${HEAP%?} << $([[ $HEAP == *g ]] && echo 30 || echo 20)))
flag() { grep -oE -- "-XX:$1=[0-9-]+" <<<"$flags" | tail -n 1 | cut -d= -f2 || true; }
[[ $(flag ActiveProcessorCount) == 1 && $(flag InitialHeapSize) == "$heap_bytes" && $(flag MaxHeapSize) == "$heap_bytes" ]] ||
    die "the gateway runs with ActiveProcessorCount=$(flag ActiveProcessorCount) InitialHeapSize=$(flag InitialHeapSize) MaxHeapSize=$(flag MaxHeapSize), not 1, $heap_bytes and $heap_bytes"
GC_NAME=$(grep -oE -- '-XX:\+Use[A-Za-z0-9]*GC' <<<"$flags" | head -n 1 | sed 's/^-XX:+Use//' || true)

# ---------------------------------------------------------------- measuring

# wrk's done() prints one machine-readable line; the paced variant adds a dithered delay().
cat >"$WORK/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("NEXUS_SOAK %.1f %.3f %.3f %d %d\n",
    summary.requests / (summary.duration / 1000000),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status + e.connect + e.read + e.write + e.timeout, summary.requests))
end
EOF
write_paced() { # delay in ms (fractional)
    {
        echo "local d = $1"
        echo 'local base = math.floor(d)'
        echo 'local frac = d - base'
        echo 'delay = function() if math.random() < frac then return base + 1 end return base end'
        cat "$WORK/report.lua"
    } >"$WORK/paced.lua"
}

RUN=0
run_wrk() { # seconds script: sets R_RPS R_P50 R_P99 R_ERR R_REQ
    local out line
    RUN=$((RUN + 1))
    out=$WORK/wrk-$RUN.txt
    "${PIN_LOAD[@]}" timeout -k 5 $(($1 + 30)) wrk -t1 -c"$CONNECTIONS" -d"$1s" --latency -s "$2" "http://127.0.0.1:$GATEWAY_PORT/" >"$out" 2>&1 &
    local pid=$!
    STARTED+=("$pid")
    wait "$pid" || die "wrk failed: $(tail -n 3 "$out")"
    line=$(grep '^NEXUS_SOAK ' "$out") || die "no result from wrk: $(tail -n 3 "$out")"
    read -r _ R_RPS R_P50 R_P99 R_ERR R_REQ <<<"$line"
    kill -0 "$GATEWAY_PID" 2>/dev/null || die "the gateway died during the soak"
}

# The collector's counters (jstat -gc): young count, young seconds, full (+ concurrent) count and
# seconds.
gc_counters() {
    "$JSTAT" -gc "$GATEWAY_PID" | awk 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
        NR == 2 { c = ("CGC" in col ? $col["CGC"] : 0); ct = ("CGCT" in col ? $col["CGCT"] : 0)
                  printf "%d %.3f %d %.3f", $col["YGC"], $col["YGCT"], $col["FGC"] + c, $col["FGCT"] + ct }'
}
# Collections during the last slice (the gateway's own: sample_memory's forced full GC is taken
# out) and their pause time in ms: sets M_GC ("young/full") and M_GC_MS.
GC_BEFORE=""
count_gcs() {
    local now
    now=$(gc_counters)
    if [[ -n $GC_BEFORE ]]; then
        read -r M_GC M_GC_MS <<<"$(awk -v a="$GC_BEFORE" -v b="$now" 'BEGIN { split(a, x, " "); split(b, y, " ")
            printf "%d/%d %.0f", y[1] - x[1], y[3] - x[3], (y[2] - x[2] + y[4] - x[4]) * 1000 }')"
    fi
}
# Heap after a full GC (jcmd GC.run, then jstat: used survivor + eden + old, in MB) and RSS (MB).
sample_memory() { # sets M_HEAP M_RSS, and GC_BEFORE for the next slice
    "$JCMD" "$GATEWAY_PID" GC.run >/dev/null 2>&1 || die "jcmd GC.run failed"
    M_HEAP=$("$JSTAT" -gc "$GATEWAY_PID" | awk 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
        NR == 2 { printf "%.1f", ($col["S0U"] + $col["S1U"] + $col["EU"] + $col["OU"]) / 1024 }')
    M_RSS=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$GATEWAY_PID/status")
    [[ -n $M_HEAP && -n $M_RSS ]] || die "could not read heap or RSS of the gateway"
    GC_BEFORE=$(gc_counters)
}

if ((WARMUP > 0)); then
    log "warming up the gateway at full load for ${WARMUP}s"
    run_wrk "$WARMUP" "$WORK/report.lua"
    log "  warm-up: $(printf '%.0f' "$R_RPS") req/s, p99 $R_P99 ms"
fi
run_wrk "$PEAK_DURATION" "$WORK/report.lua"
PEAK=$R_RPS
TARGET=$(awk -v p="$PEAK" -v l="$LOAD_PCT" 'BEGIN { printf "%.0f", p * l / 100 }')
log "peak: $(printf '%.0f' "$PEAK") req/s, p99 $R_P99 ms; target ${LOAD_PCT}%: $TARGET req/s"

# Pacing: per connection one request every connections/rate seconds, less its response time.
DELAY=$(awk -v c="$CONNECTIONS" -v r="$TARGET" 'BEGIN { printf "%.3f", c / r * 1000 }')
write_paced "$DELAY"
run_wrk 10 "$WORK/paced.lua"
# Measured cycle = delay + response time: take the response time out once.
DELAY=$(awk -v c="$CONNECTIONS" -v r="$TARGET" -v m="$R_RPS" -v d="$DELAY" 'BEGIN {
    n = d - (c / m * 1000 - c / r * 1000); printf "%.3f", (n > 0 ? n : 0) }')
write_paced "$DELAY"
log "calibration: $(printf '%.0f' "$R_RPS") req/s; think time per request now $DELAY ms"

sample_memory
START_HEAP=$M_HEAP START_RSS=$M_RSS
log "start: heap after GC $M_HEAP MB, RSS $M_RSS MB"
rows="| slice | end (s) | req/s | p50 | p99 | errors | GCs young/full | GC pauses | heap after GC (MB) | RSS (MB) |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| start | 0 | | | | | | | $M_HEAP | $M_RSS |"
ALL_RPS="" ALL_P99="" ERRORS=0 REQUESTS=0
for ((s = 1; s <= SLICES; s++)); do
    run_wrk "$SLICE" "$WORK/paced.lua"
    count_gcs
    sample_memory
    ALL_RPS+="$R_RPS " ALL_P99+="$R_P99 "
    ERRORS=$((ERRORS + R_ERR)) REQUESTS=$((REQUESTS + R_REQ))
    rows+=$'\n'"| $s | $((s * SLICE)) | $(printf '%.0f' "$R_RPS") | $R_P50 ms | $R_P99 ms | $R_ERR | $M_GC | $M_GC_MS ms | $M_HEAP | $M_RSS |"
    log "slice $s/$SLICES: $(printf '%.0f' "$R_RPS") req/s, p50 $R_P50 ms, p99 $R_P99 ms, errors $R_ERR; GCs $M_GC ($M_GC_MS ms); heap after GC $M_HEAP MB, RSS $M_RSS MB"
done

# ---------------------------------------------------------------- report

first_rps=$(awk '{ print $1 }' <<<"$ALL_RPS") last_rps=$(awk '{ print $NF }' <<<"$ALL_RPS")
first_p99=$(awk '{ print $1 }' <<<"$ALL_P99") last_p99=$(awk '{ print $NF }' <<<"$ALL_P99")
# Flat: heap after GC within 10% or 8 MB of the start, RSS within 10% or 32 MB, req/s of the last
# slice within 10% of the first (and of the target).
verdict() { # name start end pct abs
    awk -v n="$1" -v a="$2" -v b="$3" -v pct="$4" -v abs="$5" 'BEGIN {
        d = b - a; lim = a * pct / 100; if (lim < abs) lim = abs
        printf "%s %s -> %s (%+.1f, %+.1f%%): %s", n, a, b, d, (a > 0 ? d / a * 100 : 0), (d <= lim ? "flat" : "GREW") }'
}
heap_line=$(verdict "heap after GC (MB)" "$START_HEAP" "$M_HEAP" 10 8)
rss_line=$(verdict "RSS (MB)" "$START_RSS" "$M_RSS" 10 32)
rps_line=$(awk -v a="$first_rps" -v b="$last_rps" -v t="$TARGET" 'BEGIN {
    d = (b - a) / a * 100; printf "req/s first slice %.0f, last %.0f (%+.1f%%; target %d): %s", a, b, d, t, (d > -10 && d < 10 ? "flat" : "MOVED") }')
# p99 flat: the last slice's within 25% or 5 ms of the first's (a tail moves more than a mean).
p99_line=$(awk -v a="$first_p99" -v b="$last_p99" 'BEGIN { d = b - a; lim = a * 0.25; if (lim < 5) lim = 5
    printf "p99 first slice %s ms, last %s ms (%+.1f ms): %s", a, b, d, (d <= lim ? "flat" : "GREW") }')
java_version=$({ "$JAVA" -version 2>&1 || true; } | awk 'NR == 1')
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)

report="## Nexus soak, $(date -u '+%Y-%m-%d %H:%M UTC')

$rows

- $rps_line
- $p99_line
- $heap_line
- $rss_line
- Errors: $ERRORS of $REQUESTS requests.
- Settings: ${DURATION}s soak in ${SLICE}s slices of \`wrk -t1 -c$CONNECTIONS --latency\` paced by a Lua delay() (think time $DELAY ms per request) at ${LOAD_PCT}% of a peak of $(printf '%.0f' "$PEAK") req/s measured after a ${WARMUP}s warm-up; heap after \`jcmd GC.run\` from \`jstat -gc\` (survivors + eden + old), RSS from /proc; gateway JVM \`${jvm_opts[*]}\` (read back with \`jcmd VM.flags\`: 1 CPU, heap $HEAP initial = max${GC_NAME:+, $GC_NAME}) on CPU $PROXY_CPU, wrk + upstream nginx on CPU $LOAD_CPU; virtual threads: ${VIRTUAL_THREADS:-default}; GCs and their pauses per slice from \`jstat -gc\` (without the full GC forced for each sample).
- Versions: commit $commit; $java_version; $(uname -sr)."
echo "$report"
if mkdir -p "$RESULTS_DIR" 2>/dev/null; then
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    echo "$report" >"$RESULTS_DIR/soak-$stamp.md"
    log "saved to $RESULTS_DIR/soak-$stamp.md"
fi
