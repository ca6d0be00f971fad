#!/usr/bin/env bash
# Route-table scale (issue 27): Nexus and nginx with N prefix routes `/svcI/api` (I = 0..N-1),
# all to one nginx upstream that answers 200. For each N and target it measures:
#   - config check: nginx `nginx -t`; Nexus `POST /api/v1/config/validate` of the file on disk
#     (the N+1-route file of the reload below, so it also diffs it against the live config);
#   - start-up: from the process's start until it is ready, polled every 20 ms (Nexus: the admin
#     port's /readyz answers 200; nginx: the last route answers 200); at most STARTUP_TIMEOUT s,
#     else the row says "failed" and the run goes on;
#   - heap after a full GC (JVM only: the total of `jcmd PID GC.class_histogram`, which counts
#     live objects after its own full GC; the smallest of four, see heap_bytes) and RSS (nginx:
#     master + worker), both right after start-up; per route: (value at N - value at 1) / N, so
#     N = 1 always runs;
#   - reload: the file rewritten with route N added, then Nexus `POST /api/v1/config/reload`
#     (the call's time and its status and result), nginx SIGHUP to the master (the time until
#     the new route answers); then whether the new route answers 200;
#   - req/s: `wrk -t1 -c64` for DURATION s against the last route, then the middle one, ROUNDS
#     times (each round's figure is shown), after a WARMUP s warm-up of the JVM on route 0
#     (nginx: 2 s, to open its connections);
#   - routes hit: one GET to each of min(N, HITS) routes spread over the table (curl --parallel),
#     how many answered 200; and Nexus's /metrics series (lines not starting with #) before and
#     after those requests (scraped last, after wrk: a huge scrape may break the gateway), with
#     the size and time of the second scrape.
# Requests go to `/svcI/api/items` (upstream gets `/items`). Nexus runs with `nexus.config.watch
# = false` so that only the API call reloads, and its default chain otherwise. Every JVM:
# -XX:ActiveProcessorCount=1 -Xms512m -Xmx512m -XX:+ExitOnOutOfMemoryError on CPU 1 (PROXY_CPU),
# like nginx-proxy; wrk, the upstream, curl and jcmd on CPU 0 (LOAD_CPU). The jar is copied at
# the start, so a rebuild during the run does not change what is measured. A trap stops
# everything on exit, Ctrl-C or SIGTERM. The table is printed and saved to
# bench/results/routes-<UTC time>.md. The default run (1 1000 10000 50000) takes about 11 minutes.
#
# Usage: [TARGETS="nexus nginx"] [DURATION=10] [ROUNDS=2] [WARMUP=60] [HITS=1000] [HEAP=512m]
#        [STARTUP_TIMEOUT=120] [JAR=...] [GATEWAY_JAVA_OPTS=...] [AOT=1] [KEEP=1] bench/routes.sh [N ...]
#        (N default: 1 1000 10000 50000, each 1-200000; ports GATEWAY_PORT 28600, ADMIN_PORT 28601,
#        UPSTREAM_PORT 28602, NGINX_PORT 28603; cores LOAD_CPU 0, PROXY_CPU 1; as root it runs in
#        a session whose autogroup gets nice PRIORITY, -10, as bench/run.sh; KEEP=1 keeps the
#        work dir with the configs and logs)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
# shellcheck source=scripts/require.sh
source "$ROOT/scripts/require.sh"

die() { echo "routes.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
    exit 0
fi

TARGETS=${TARGETS:-nexus nginx}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-2}
WARMUP=${WARMUP:-60}
HITS=${HITS:-1000}
HEAP=${HEAP:-512m}
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-120}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-}
GATEWAY_PORT=${GATEWAY_PORT:-28600}
ADMIN_PORT=${ADMIN_PORT:-28601}
UPSTREAM_PORT=${UPSTREAM_PORT:-28602}
NGINX_PORT=${NGINX_PORT:-28603}
LOAD_CPU=${LOAD_CPU:-0}
PROXY_CPU=${PROXY_CPU:-1}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}
JAR=${JAR:-$ROOT/gateway-launcher/target/nexus-gateway.jar}
KEEP=${KEEP:-0}
if ((EUID == 0)); then PRIORITY=${PRIORITY:--10}; else PRIORITY=${PRIORITY:-0}; fi
# At least 16 characters (docs/admin-api.md, "Token").
TOKEN=bench-routes-token-0123456789

check_int DURATION "$DURATION" 1 60
check_int ROUNDS "$ROUNDS" 1 5
check_int WARMUP "$WARMUP" 0 180
check_int HITS "$HITS" 1 10000
check_int STARTUP_TIMEOUT "$STARTUP_TIMEOUT" 5 600
for port in "$GATEWAY_PORT" "$ADMIN_PORT" "$UPSTREAM_PORT" "$NGINX_PORT"; do check_int port "$port" 1024 65535; done
[[ $HEAP =~ ^[0-9]+[mg]$ ]] || die "HEAP must look like 512m or 1g, got '$HEAP'"
for target in $TARGETS; do
    case $target in nexus | nginx) ;; *) die "unknown target '$target' (known: nexus nginx)" ;; esac
done
ARGS=("$@")
COUNTS=("${@:-1 1000 10000 50000}")
read -r -a COUNTS <<<"${COUNTS[*]}"
for n in "${COUNTS[@]}"; do check_int N "$n" 1 200000; done
# N = 1 is the baseline of the per-route figures: always measured, first.
read -r -a COUNTS <<<"$(printf '%s\n' 1 "${COUNTS[@]}" | sort -n -u | tr '\n' ' ')"

# As bench/run.sh does (bench/README.md, "Priority"): as root, a session of its own whose
# autogroup gets nice -10, so that a build on the machine does not take the measured cores.
if ((PRIORITY < 0)) && [[ -z ${NEXUS_BENCH_SESSION:-} ]] && command -v setsid >/dev/null &&
    [[ $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null) == 1 ]]; then
    # Not a process-group leader (no job control in a script), so setsid needs no fork: $! is the run.
    NEXUS_BENCH_SESSION=1 setsid "$BASH" "${BASH_SOURCE[0]}" "${ARGS[@]}" &
    session=$!
    # The run is outside the terminal's process group: pass Ctrl-C and SIGTERM on.
    trap 'kill -TERM "$session" 2>/dev/null || true' INT TERM
    while :; do
        if wait "$session"; then status=0; else status=$?; fi
        kill -0 "$session" 2>/dev/null || break
    done
    exit "$status"
fi
priority_mode=off
if [[ -n ${NEXUS_BENCH_SESSION:-} ]]; then
    echo "$PRIORITY" >"/proc/$$/autogroup" || die "could not set the nice value of this session's autogroup"
    priority_mode="autogroup nice $PRIORITY"
fi

require nginx nginx
require curl curl
require taskset util-linux
# Without wrk (and not root, so require cannot install it) the req/s columns stay empty.
WRK=1
if ! command -v wrk >/dev/null; then
    if ((EUID == 0)); then require wrk wrk; else WRK=0; log "wrk is missing (sudo apt-get install -y wrk): no req/s"; fi
fi
JAVA_HOME=$("$ROOT/scripts/java-home.sh")
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
JCMD="$JAVA_HOME/bin/jcmd"
if [[ " $TARGETS " == *" nexus "* && ! -f $JAR ]]; then
    log "building $JAR"
    (cd "$ROOT" && require mvn maven && mvn -B -ntp -q -DskipTests package -pl gateway-launcher -am) >&2
    [[ -f $JAR ]] || die "the build did not produce $JAR"
fi
cpus=$(nproc --all 2>/dev/null || nproc)
if ((cpus >= 2)) && [[ $LOAD_CPU != "$PROXY_CPU" ]] && taskset -c "$LOAD_CPU" true 2>/dev/null &&
    taskset -c "$PROXY_CPU" true 2>/dev/null; then
    PIN_LOAD=(taskset -c "$LOAD_CPU") PIN_PROXY=(taskset -c "$PROXY_CPU")
    # The script and its helpers (curl, jcmd) stay off the measured core too.
    taskset -pc "$LOAD_CPU" $$ >/dev/null
    pinning="wrk, upstream, curl, jcmd on CPU $LOAD_CPU; Nexus and nginx-proxy on CPU $PROXY_CPU"
else
    PIN_LOAD=() PIN_PROXY=()
    pinning="none ($cpus CPUs)"
    log "WARNING: cannot pin to CPUs $LOAD_CPU and $PROXY_CPU: running unpinned"
fi
require_free_ports "$GATEWAY_PORT" "$ADMIN_PORT" "$UPSTREAM_PORT" "$NGINX_PORT"

# ---------------------------------------------------------------- cleanup

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nexus-routes.XXXXXX")
STARTED=()
# Whether a pid is still a child of this script (a pid reused by another process is never signalled).
running() { # pid: ours and not a zombie
    local stat
    ours "$1" || return 1
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}
stop() { # pid: SIGTERM, at most 15 s, then SIGKILL; reaped
    local i
    running "$1" || { wait "$1" 2>/dev/null || true; return 0; }
    kill -TERM "$1" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do running "$1" || break; sleep 0.1; done
    ! running "$1" || kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
cleanup() {
    local status=$? pid
    trap - EXIT INT TERM
    for pid in "${STARTED[@]}"; do running "$pid" && kill -TERM "$pid" 2>/dev/null; done
    for pid in "${STARTED[@]}"; do stop "$pid"; done
    wait 2>/dev/null
    if ((KEEP)); then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The jar measured is a copy: the jar may be rebuilt during the run. A copy taken while Maven
# writes it is unreadable: taken again, at most three times.
if [[ " $TARGETS " == *" nexus "* ]]; then
    for attempt in 1 2 3 4; do
        ((attempt < 4)) || die "$JAR stays unreadable (being rebuilt?)"
        cp "$JAR" "$WORK/nexus-gateway.jar" 2>/dev/null &&
            "$JAVA_HOME/bin/jar" tf "$WORK/nexus-gateway.jar" >/dev/null 2>&1 && break
        log "$JAR is unreadable (being rebuilt?): again in 10 s"
        sleep 10
    done
fi

# ---------------------------------------------------------------- configs

# Routes first..last-1 as HOCON list elements or nginx locations.
route_lines() { # kind first last
    awk -v kind="$1" -v first="$2" -v last="$3" 'BEGIN {
        for (i = first; i < last; i++) {
            if (kind == "nexus") printf "    { name = \"svc%d\", path = \"/svc%d/api\", upstream = up, strip-prefix = true }\n", i, i
            else printf "        location /svc%d/api/ { proxy_pass http://backend/; }\n", i
        }
    }'
}
# Written to a temp file and renamed, so that a reader never sees half a file.
write_nexus_conf() { # file n
    {
        cat <<CONF
nexus {
  server { host = "127.0.0.1", port = $GATEWAY_PORT, shutdown { drain-delay = 0s, timeout = 5s } }
  admin { host = "127.0.0.1", port = $ADMIN_PORT, token = "$TOKEN" }
  config { watch = false }
  upstreams { up { targets = ["http://127.0.0.1:$UPSTREAM_PORT"] } }
  routes = [
CONF
        route_lines nexus 0 "$2"
        echo "  ]"
        echo "}"
    } >"$1.tmp"
    mv "$1.tmp" "$1"
}
# nginx: the locations in a file of their own, included in the server block; proxy settings
# (keep-alive to the upstream, as bench/run.sh's reference proxy) are inherited by every location.
write_nginx_proxy_conf() { # dir
    write_nginx_conf "$1" "    upstream backend { server 127.0.0.1:$UPSTREAM_PORT; keepalive 64; }
    server {
        listen 127.0.0.1:$NGINX_PORT;
        proxy_http_version 1.1;
        proxy_set_header Connection \"\";
        include $1/locations.conf;
        # Anything else, e.g. the new route while a reload is polled: 404 without an error line.
        location / { return 404; }
    }"
}
write_nginx_locations() { # dir n
    route_lines nginx 0 "$2" >"$1/locations.conf.tmp"
    mv "$1/locations.conf.tmp" "$1/locations.conf"
}

# ---------------------------------------------------------------- measuring

since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }
status_of() { # url: the status of a GET, 000 without an answer
    curl -s -o /dev/null -w '%{http_code}' --max-time "${2:-5}" "$1" 2>/dev/null || true
}
# Polls url every 20 ms until it answers 200; prints the seconds since start (an EPOCHREALTIME).
# Fails (1) after timeout seconds or when pid is gone.
wait_200() { # url start timeout pid
    local code
    while :; do
        code=$(status_of "$1" 2)
        if [[ $code == 200 ]]; then since "$2"; return 0; fi
        running "$4" || return 1
        awk -v a="$2" -v b="$EPOCHREALTIME" -v t="$3" 'BEGIN { exit !(b - a > t) }' && return 1
        sleep 0.02
    done
}
rss_kib() { # pid...: VmRSS summed
    local pid total=0 kib
    for pid in "$@"; do
        kib=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        total=$((total + ${kib:-0}))
    done
    echo "$total"
}
# Live heap in bytes: GC.class_histogram runs a full GC and counts what survives it (GC.heap_info
# after GC.run would also count what the JVM allocates in between). The smallest of four: after
# start-up, Nexus with 10,000 routes kept ~18 MB more through its first two full GCs than from the
# third on (1 route: 0.07 MB), so the first readings overstate the steady live set.
# Only ever against our JVM: jcmd's attach would SIGQUIT anything else.
heap_bytes() { # pid
    local best="" bytes _
    [[ $(cat "/proc/$1/comm" 2>/dev/null) == java ]] && running "$1" || return 0
    for _ in 1 2 3 4; do
        bytes=$(timeout 120 "$JCMD" "$1" GC.class_histogram 2>/dev/null | awk '$1 == "Total" { print $3 }') || true
        [[ $bytes =~ ^[0-9]+$ ]] || continue
        if [[ -z $best ]] || ((bytes < best)); then best=$bytes; fi
    done
    echo "$best"
}
# wrk against one path; sets R to "req/s" or "req/s (E errors)", or "-" without wrk. Not in a
# subshell: the wrk run is in STARTED, so that the trap can stop it.
run_wrk() { # port path seconds
    local out="$WORK/wrk.out" rps errors pid
    R="-"
    ((WRK)) || return 0
    "${PIN_LOAD[@]}" timeout -k 5 $(($3 + 30)) wrk -t1 -c64 -d"$3s" "http://127.0.0.1:$1$2" >"$out" 2>&1 &
    pid=$!
    STARTED+=("$pid")
    wait "$pid" || true
    rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$out")
    errors=$(awk '/Non-2xx or 3xx responses:/ { e += $NF } /Socket errors:/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 } END { print e + 0 }' "$out")
    if [[ -z $rps ]]; then
        R="failed"
        log "wrk against $2: $(tail -n 2 "$out" | tr '\n' ' ')"
    elif ((errors > 0)); then
        R="$rps ($errors errors)"
    else
        R=$rps
    fi
}
# ROUNDS rounds of wrk on the last route, then the middle one; sets LAST and MIDDLE to the
# rounds' req/s, "a / b": the spread between rounds is the noise a difference must beat.
measure_rps() { # port n
    local r
    LAST="" MIDDLE=""
    for ((r = 1; r <= ROUNDS; r++)); do
        run_wrk "$1" "/svc$(($2 - 1))/api/items" "$DURATION"
        LAST+="${LAST:+ / }$R"
        run_wrk "$1" "/svc$(($2 / 2))/api/items" "$DURATION"
        MIDDLE+="${MIDDLE:+ / }$R"
    done
}
# One GET to each of min(n, HITS) routes spread over the table; prints how many answered 200.
hit_routes() { # port n
    local k=$(($2 < HITS ? $2 : HITS))
    awk -v n="$2" -v k="$k" -v port="$1" 'BEGIN {
        for (j = 0; j < k; j++) printf "url = \"http://127.0.0.1:%d/svc%d/api/items\"\noutput = \"/dev/null\"\n", port, int(j * n / k)
    }' >"$WORK/hits.curl"
    echo "$(timeout 300 curl -s --parallel --parallel-max 16 --max-time 10 -K "$WORK/hits.curl" -w '%{http_code}\n' 2>/dev/null | grep -c '^200$' || true)/$k"
}
# A scrape of the admin port's /metrics: sets SERIES (lines that are neither comments nor empty)
# and SCRAPE ("MB (seconds)", or "failed (status)").
scrape() {
    local out code secs bytes
    out=$(curl -s -o "$WORK/metrics.txt" -w '%{http_code} %{time_total} %{size_download}' --max-time 60 \
        "http://127.0.0.1:$ADMIN_PORT/metrics" 2>/dev/null || true)
    read -r code secs bytes <<<"${out:-000}"
    if [[ $code == 200 ]]; then
        SERIES=$(grep -cv -e '^#' -e '^$' "$WORK/metrics.txt" || true)
        SCRAPE=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f (%.2f)", b / 1048576, s }')
    else
        SERIES="failed" SCRAPE="failed ($code)"
    fi
    rm -f "$WORK/metrics.txt"
}
wait_ports_free() {
    local port i
    for port in "$@"; do
        for ((i = 0; i < 150; i++)); do port_in_use "$port" || break; sleep 0.1; done
    done
}
per_route() { # value-at-n value-at-1 n unit-divisor: (a - b) / divisor / n, "-" if either is unknown
    [[ -n $1 && -n $2 ]] || { echo "-"; return 0; }
    (($3 > 1)) || { echo "(base)"; return 0; }
    awk -v a="$1" -v b="$2" -v n="$3" -v d="$4" 'BEGIN { printf "%.2f", (a - b) / d / n }'
}
scaled() { # value divisor: one decimal, "-" if unknown
    [[ -n $1 ]] || { echo "-"; return 0; }
    awk -v v="$1" -v d="$2" 'BEGIN { printf "%.1f", v / d }'
}
# curl's -w '%{http_code} %{time_total}' as "seconds (status)"
timed() { # output-of-curl [extra]
    local code secs
    read -r code secs <<<"$1"
    if [[ $secs =~ ^[0-9.]+$ ]]; then printf '%.3f (%s%s)' "$secs" "$code" "${2:+ $2}"; else echo "failed ($code)"; fi
}
NOTES=()
note() { NOTES+=("$*"); log "NOTE: $*"; }
# Errors and warnings a target logged, as notes (the first few distinct messages).
scan_log() { # label file pattern
    local count
    count=$(grep -c -E "$3" "$2" 2>/dev/null || true)
    ((${count:-0} > 0)) || return 0
    note "$1: $count log lines matching $3, e.g.: $(grep -E "$3" "$2" | sed -e 's/.*"message":"\([^"]*\)".*/\1/' | cut -c1-200 | sort | uniq -c | sort -rn | head -n 3 | sed 's/^ *//' | paste -sd';' -)"
}

# ---------------------------------------------------------------- the targets

declare -A HEAP_1 RSS_1
ROWS=()
row() { ROWS+=("| $(IFS='|'; echo "$*" | sed 's/|/ | /g') |"); }

measure_nexus() { # n
    local n=$1 conf="$WORK/nexus.conf" log="$WORK/nexus-$1.log" t0 pid startup heap rss s0 body
    local check="-" reload="-" newroute="-" hits="-" last="-" middle="-" out code result
    write_nexus_conf "$conf" "$n"
    t0=$EPOCHREALTIME
    NEXUS_LAST_KNOWN_GOOD="$WORK/nexus-$n.last-known-good.conf" "${PIN_PROXY[@]}" \
        env -u NEXUS_PORT -u NEXUS_ADMIN_TOKEN -u NEXUS_CONFIG \
        "$JAVA" -XX:ActiveProcessorCount=1 "-Xms$HEAP" "-Xmx$HEAP" -XX:+ExitOnOutOfMemoryError $GATEWAY_JAVA_OPTS \
        -jar "$WORK/nexus-gateway.jar" --config "$conf" >"$log" 2>&1 &
    pid=$!
    STARTED+=("$pid")
    if ! startup=$(wait_200 "http://127.0.0.1:$ADMIN_PORT/readyz" "$t0" "$STARTUP_TIMEOUT" "$pid"); then
        if running "$pid"; then startup="failed (not ready in ${STARTUP_TIMEOUT}s)"; else startup="failed (exited)"; fi
        note "nexus N=$n: $startup; last log lines: $(grep -v "^WARNING:" "$log" | tail -n 3 | cut -c1-300 | paste -sd' ' -)"
        stop "$pid"
        row nexus "$n" - "$startup" - - - - - - - - - - -
        wait_ports_free "$GATEWAY_PORT" "$ADMIN_PORT"
        return 0
    fi
    log "nexus N=$n ready after ${startup}s"
    code=$(status_of "http://127.0.0.1:$GATEWAY_PORT/svc$((n - 1))/api/items")
    [[ $code == 200 ]] || note "nexus N=$n: the last route answered $code right after start-up"
    heap=$(heap_bytes "$pid")
    rss=$(rss_kib "$pid")
    if ((n == 1)); then HEAP_1[nexus]=$heap RSS_1[nexus]=$rss; fi

    # Check and reload the file with route n added.
    write_nexus_conf "$conf" $((n + 1))
    body="$WORK/validate.json"
    out=$(curl -s -o "$body" -w '%{http_code} %{time_total}' --max-time 120 -X POST \
        -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$ADMIN_PORT/api/v1/config/validate" 2>/dev/null || echo "000 -")
    check=$(timed "$out")
    code=${out%% *}
    [[ $code == 200 ]] || note "nexus N=$n: validate answered $code: $(head -c 300 "$body" 2>/dev/null)"
    body="$WORK/reload.json"
    out=$(curl -s -o "$body" -w '%{http_code} %{time_total}' --max-time 120 -X POST \
        -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$ADMIN_PORT/api/v1/config/reload" 2>/dev/null || echo "000 -")
    code=${out%% *}
    result=$(sed -n 's/.*"result" *: *"\([a-z_]*\)".*/\1/p' "$body" 2>/dev/null | head -n 1 || true)
    reload=$(timed "$out" "$result")
    [[ $code == 200 && $result == applied ]] || note "nexus N=$n: reload answered $code: $(head -c 300 "$body" 2>/dev/null)"
    newroute=$(status_of "http://127.0.0.1:$GATEWAY_PORT/svc$n/api/items")
    log "nexus N=$n: heap $heap B, RSS $rss KiB, validate $check, reload $reload, new route $newroute"

    # A gateway that died (an OutOfMemoryError exits it) skips what is left.
    if ((WRK)) && running "$pid"; then
        if ((WARMUP > 0)); then
            log "nexus N=$n: warm-up ${WARMUP}s on /svc0/api"
            run_wrk "$GATEWAY_PORT" /svc0/api/items "$WARMUP"
        fi
        measure_rps "$GATEWAY_PORT" "$n"
        last=$LAST middle=$MIDDLE
        log "nexus N=$n: req/s last route $last, middle route $middle"
    fi
    # Scraped last: a scrape of many series may be what breaks the gateway.
    SERIES="-" SCRAPE="-" s0="-"
    if running "$pid"; then
        scrape
        s0=$SERIES
        hits=$(hit_routes "$GATEWAY_PORT" "$n")
        scrape
    fi
    running "$pid" || note "nexus N=$n: the gateway died during the run: $(grep -v "^WARNING:" "$log" | tail -n 3 | cut -c1-300 | paste -sd' ' -)"
    stop "$pid"
    scan_log "nexus N=$n" "$log" '"level":"(ERROR|WARN)"'
    row nexus "$n" "$check" "$startup" "$reload" "$newroute" \
        "$(scaled "$heap" 1048576)" "$(per_route "$heap" "${HEAP_1[nexus]:-}" "$n" 1024)" \
        "$(scaled "$rss" 1024)" "$(per_route "$rss" "${RSS_1[nexus]:-}" "$n" 1)" \
        "$last" "$middle" "$hits" "$s0 → $SERIES" "$SCRAPE"
    wait_ports_free "$GATEWAY_PORT" "$ADMIN_PORT"
}

measure_nginx() { # n
    local n=$1 dir="$WORK/nginx" t0 pid startup rss check reload="-" newroute="-" hits last="-" middle="-" workers
    mkdir -p "$dir"
    write_nginx_proxy_conf "$dir"
    write_nginx_locations "$dir" "$n"
    : >"$dir/error.log"
    t0=$EPOCHREALTIME
    if timeout 120 nginx -t -q -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/check.log" 2>&1; then
        check=$(since "$t0")
    else
        check="failed"
        note "nginx N=$n: nginx -t failed: $(tail -n 2 "$dir/check.log" | paste -sd' ' -)"
    fi
    rm -f "$dir/nginx.pid"
    t0=$EPOCHREALTIME
    "${PIN_PROXY[@]}" nginx -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
    pid=$!
    STARTED+=("$pid")
    if ! startup=$(wait_200 "http://127.0.0.1:$NGINX_PORT/svc$((n - 1))/api/items" "$t0" "$STARTUP_TIMEOUT" "$pid"); then
        if running "$pid"; then startup="failed (not ready in ${STARTUP_TIMEOUT}s)"; else startup="failed (exited)"; fi
        note "nginx N=$n: $startup: $(tail -n 3 "$dir/error.log" "$dir/stdout.log" 2>/dev/null | paste -sd' ' -)"
        stop "$pid"
        row nginx "$n" "$check" "$startup" - - - - - - - - - - -
        wait_ports_free "$NGINX_PORT"
        return 0
    fi
    log "nginx N=$n ready after ${startup}s"
    workers=$(pgrep -P "$pid" | tr '\n' ' ' || true)
    # shellcheck disable=SC2086
    rss=$(rss_kib "$pid" $workers)
    if ((n == 1)); then RSS_1[nginx]=$rss; fi

    # Reload: SIGHUP makes the master parse the file and start new workers; done when the new
    # route answers.
    write_nginx_locations "$dir" $((n + 1))
    t0=$EPOCHREALTIME
    kill -HUP "$pid"
    if reload=$(wait_200 "http://127.0.0.1:$NGINX_PORT/svc$n/api/items" "$t0" "$STARTUP_TIMEOUT" "$pid"); then
        newroute=200
    else
        reload="failed"
        newroute=$(status_of "http://127.0.0.1:$NGINX_PORT/svc$n/api/items")
        note "nginx N=$n: the new route did not answer 200 after SIGHUP: $(tail -n 2 "$dir/error.log" | paste -sd' ' -)"
    fi
    log "nginx N=$n: RSS $rss KiB, nginx -t ${check}s, reload ${reload}s"
    if ((WRK)); then
        run_wrk "$NGINX_PORT" /svc0/api/items 2
        measure_rps "$NGINX_PORT" "$n"
        last=$LAST middle=$MIDDLE
        log "nginx N=$n: req/s last route $last, middle route $middle"
    fi
    hits=$(hit_routes "$NGINX_PORT" "$n")
    stop "$pid"
    scan_log "nginx N=$n" "$dir/error.log" '\[(alert|crit|emerg|error)\]'
    row nginx "$n" "$check" "$startup" "${reload}$([[ $reload == failed ]] || echo " (SIGHUP)")" "$newroute" - - \
        "$(scaled "$rss" 1024)" "$(per_route "$rss" "${RSS_1[nginx]:-}" "$n" 1)" \
        "$last" "$middle" "$hits" - -
    wait_ports_free "$NGINX_PORT"
}

# ---------------------------------------------------------------- run

# AOT=1: the AOT cache the container image ships (Dockerfile): trained by starting the gateway on
# the bundled default config until its admin port answers, then used by every Nexus start.
if [[ ${AOT:-0} == 1 && " $TARGETS " == *" nexus "* ]]; then
    log "training the AOT cache on conf/gateway.conf, as the Dockerfile does"
    "$JAVA" -XX:AOTCacheOutput="$WORK/nexus.aot" -jar "$WORK/nexus-gateway.jar" --config "$ROOT/conf/gateway.conf" \
        >"$WORK/aot-training.log" 2>&1 &
    training=$!
    for _ in $(seq 300); do status_of "http://127.0.0.1:9090/readyz" | grep -q 200 && break; sleep 0.1; done
    stop "$training"
    [[ -s $WORK/nexus.aot ]] || die "the AOT training run wrote no cache: $WORK/aot-training.log"
    GATEWAY_JAVA_OPTS="$GATEWAY_JAVA_OPTS -XX:AOTCache=$WORK/nexus.aot"
fi

budget=0
for target in $TARGETS; do
    if [[ $target == nexus ]]; then budget=$((budget + WARMUP + 2 * ROUNDS * DURATION + 15)); else budget=$((budget + 2 * ROUNDS * DURATION + 5)); fi
done
log "routes: ${COUNTS[*]}; targets: $TARGETS; about $((${#COUNTS[@]} * budget)) s plus start-ups (each at most ${STARTUP_TIMEOUT}s)"
write_upstream_conf "$WORK/upstream" "$UPSTREAM_PORT"
"${PIN_LOAD[@]}" nginx -c "$WORK/upstream/nginx.conf" -e "$WORK/upstream/error.log" >"$WORK/upstream.log" 2>&1 &
upstream_pid=$!
STARTED+=("$upstream_pid")
t0=$EPOCHREALTIME
wait_200 "http://127.0.0.1:$UPSTREAM_PORT/" "$t0" 10 "$upstream_pid" >/dev/null ||
    die "the upstream nginx did not start: $(tail -n 3 "$WORK/upstream/error.log" "$WORK/upstream.log" 2>/dev/null)"

started_at=$(date -u '+%Y-%m-%d %H:%M UTC')
SECONDS=0
for n in "${COUNTS[@]}"; do
    for target in $TARGETS; do
        log "---- $target, $n routes"
        "measure_$target" "$n"
    done
done

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ", uncommitted changes in the worktree" || true)
jar_sha=$(sha256sum "$WORK/nexus-gateway.jar" 2>/dev/null | cut -c1-12 || echo -)
report="## Route-table scale (issue 27), $started_at

| target | routes | config check s | start-up s | reload s (status) | new route | heap MB | heap/route KiB | RSS MB | RSS/route KiB | req/s last route | req/s middle route | routes hit: 200s | series before → after hits | /metrics MB (s) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
$(printf '%s\n' "${ROWS[@]}")

- Config check: Nexus \`POST /api/v1/config/validate\` (the N+1-route file, diffed against the live config; HTTP status), nginx \`nginx -t\`. Start-up: process start to Nexus \`/readyz\` 200 (nginx: last route 200), polled every 20 ms. Reload: Nexus \`POST /api/v1/config/reload\` time (status, result), nginx SIGHUP to the new route answering. New route: its status right after the reload.
- Heap: live bytes after a full GC (\`jcmd GC.class_histogram\` total, the smallest of four in a row), RSS (nginx: master + worker), both right after start-up; per route: (value at N - value at 1 route) / N.
- req/s: \`wrk -t1 -c64 -d${DURATION}s\` on \`/svcI/api/items\`, $ROUNDS rounds of last route then middle route (one figure per round), after a ${WARMUP} s warm-up of the JVM (nginx 2 s); errors are non-2xx plus socket errors. Routes hit: one GET each to min(N, $HITS) routes spread over the table. Series: lines of Nexus's \`/metrics\` that are not comments, after the wrk runs (routes 0, middle and last hit) and after the routes hit; /metrics MB (s): the size and time of that last scrape.
- Settings: every JVM \`-XX:ActiveProcessorCount=1 -Xms$HEAP -Xmx$HEAP -XX:+ExitOnOutOfMemoryError${GATEWAY_JAVA_OPTS:+ $GATEWAY_JAVA_OPTS}\`, \`nexus.config.watch = false\`; pinning: $pinning; priority: $priority_mode. Run took ${SECONDS} s.
- Versions: commit $commit$dirty; jar sha256 $jar_sha; $({ "$JAVA" -version 2>&1 || true; } | awk 'NR == 1'); nginx $({ nginx -v 2>&1 || true; } | sed 's/^nginx version: nginx\///'); $(uname -sr)."
if ((${#NOTES[@]} > 0)); then
    report+=$'\n\nNotes:\n'$(printf -- '- %s\n' "${NOTES[@]}")
fi
echo "$report"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
if mkdir -p "$RESULTS_DIR" 2>/dev/null; then
    echo "$report" >"$RESULTS_DIR/routes-$stamp.md"
    log "saved to $RESULTS_DIR/routes-$stamp.md"
fi
