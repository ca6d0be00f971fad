#!/usr/bin/env bash
# First load benchmark of Nexus (PF3): the gateway's throughput and latency next to a direct
# call to the same upstream and next to a reference proxy (nginx), measured with wrk.
# Method and its reasons: bench/README.md. Usage: bench/run.sh --help
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ARGS=("$@")

usage() {
    cat <<'EOF'
Usage: bench/run.sh [options]

Options (each also settable through the environment variable in brackets):
  -d, --duration SECONDS     length of one measured wrk run, 1-60 [DURATION, default 10]
  -r, --rounds N             interleaved rounds, 1-10 [ROUNDS, default 3]
  -c, --connections N        wrk connections, 1-1024 [CONNECTIONS, default 64]
      --warmup-max SECONDS   longest JIT warm-up of the gateway, 0-300 [WARMUP_MAX, default 90]
      --warmup-slice SECONDS length of one warm-up slice, 2-30 [WARMUP_SLICE, default 10]
      --no-warmup            skip the warm-up (results then understate the JVM) [SKIP_WARMUP=1]
      --no-reference         leave out the nginx reference proxy [REFERENCE=0]
      --no-pause             do not SIGSTOP the gateway while other targets are measured [PAUSE=0]
      --no-busy              no SCHED_IDLE busy loops keeping idle vCPUs awake [BUSY=0]
      --priority N           nice value, -20..0, for every measured process; as root only
                             [PRIORITY, default -10 as root, 0 otherwise; 0 turns it off]
  -h, --help                 this text

Other environment variables:
  JAR                  gateway jar [gateway-launcher/target/nexus-gateway.jar, built if missing]
  JAVA_HOME            JDK/JRE 21+ to run the gateway (else the first java 21+ found)
  GATEWAY_JAVA_OPTS    extra JVM options, appended after the fixed ones
  VIRTUAL_THREADS      true/false: sets nexus.server.virtual-threads (default: the gateway's)
  LOAD_CPU, PROXY_CPU  cores for wrk + upstream and for the proxies [0, 1]
  GATEWAY_PORT, ADMIN_PORT, UPSTREAM_PORT, REFERENCE_PORT   [18080, 19090, 18081, 18082]
  RESULTS_DIR          where the result file goes [bench/results]

Needs wrk, nginx, taskset and a Java 21+ runtime (Maven and a JDK to build the jar).
As root, missing wrk and nginx are installed with apt-get.
EOF
}

die() {
    echo "run.sh: $*" >&2
    exit 1
}

log() {
    echo "[$(date +%H:%M:%S)] $*" >&2
}

# ---------------------------------------------------------------- options

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
WARMUP_MAX=${WARMUP_MAX:-90}
WARMUP_SLICE=${WARMUP_SLICE:-10}
SKIP_WARMUP=${SKIP_WARMUP:-0}
REFERENCE=${REFERENCE:-1}
PAUSE=${PAUSE:-1}
BUSY=${BUSY:-1}
if ((EUID == 0)); then PRIORITY=${PRIORITY:--10}; else PRIORITY=${PRIORITY:-0}; fi
VIRTUAL_THREADS=${VIRTUAL_THREADS:-}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-}
LOAD_CPU=${LOAD_CPU:-0}
PROXY_CPU=${PROXY_CPU:-1}
GATEWAY_PORT=${GATEWAY_PORT:-18080}
ADMIN_PORT=${ADMIN_PORT:-19090}
UPSTREAM_PORT=${UPSTREAM_PORT:-18081}
REFERENCE_PORT=${REFERENCE_PORT:-18082}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}
JAR=${JAR:-$ROOT/gateway-launcher/target/nexus-gateway.jar}
# wrk threads: one, as in the notes; a second one would compete with the upstream for its core.
WRK_THREADS=1

while (($# > 0)); do
    case $1 in
        -d | --duration) DURATION=${2:?$1 needs a value}; shift ;;
        -r | --rounds) ROUNDS=${2:?$1 needs a value}; shift ;;
        -c | --connections) CONNECTIONS=${2:?$1 needs a value}; shift ;;
        --warmup-max) WARMUP_MAX=${2:?$1 needs a value}; shift ;;
        --warmup-slice) WARMUP_SLICE=${2:?$1 needs a value}; shift ;;
        --no-warmup) SKIP_WARMUP=1 ;;
        --no-reference) REFERENCE=0 ;;
        --no-pause) PAUSE=0 ;;
        --no-busy) BUSY=0 ;;
        --priority) PRIORITY=${2:?$1 needs a value}; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
    shift
done

# Every knob is bounded so that a run always ends in a known time.
check_int() { # name value min max
    if ! [[ $2 =~ ^[0-9]+$ ]] || (($2 < $3 || $2 > $4)); then
        die "$1 must be an integer in $3..$4, got '$2'"
    fi
}
check_int duration "$DURATION" 1 60
check_int rounds "$ROUNDS" 1 10
check_int connections "$CONNECTIONS" 1 1024
check_int warmup-max "$WARMUP_MAX" 0 300
check_int warmup-slice "$WARMUP_SLICE" 2 30
check_int priority "${PRIORITY#-}" 0 20
((EUID == 0 || PRIORITY == 0)) || die "--priority below 0 needs root (or PRIORITY=0)"
for port in "$GATEWAY_PORT" "$ADMIN_PORT" "$UPSTREAM_PORT" "$REFERENCE_PORT"; do
    check_int port "$port" 1024 65535
done
case $VIRTUAL_THREADS in "" | true | false) ;; *) die "VIRTUAL_THREADS must be true or false" ;; esac

# ---------------------------------------------------------------- priority

# Other work on the machine (a build, a browser) takes CPU from the measured processes and
# makes the ratios swing by up to 2x. A lower nice value for this script, inherited by all it
# starts, shields them. With autogroup scheduling (on by default in many kernels, and on this
# VM type) nice only ranks processes inside one session's group and groups share the CPUs
# evenly, so the script runs in a session of its own and lowers the nice of that group. All
# measured processes stay in that one group: giving each its own group cost the gateway ~20%.
priority_mode="off"
if ((PRIORITY < 0)); then
    if [[ $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null) == 1 ]]; then
        if [[ -n ${NEXUS_BENCH_SESSION:-} ]]; then
            echo "$PRIORITY" >"/proc/$$/autogroup" || die "could not set the nice value of this session's autogroup"
            priority_mode="autogroup nice $PRIORITY"
        elif command -v setsid >/dev/null; then
            # Not a process-group leader (no job control here), so setsid needs no fork: $! is the run.
            NEXUS_BENCH_SESSION=1 setsid "$BASH" "${BASH_SOURCE[0]}" "${ARGS[@]}" &
            session=$!
            # The run is outside the terminal's process group: pass Ctrl-C and SIGTERM on.
            trap 'kill -TERM "$session" 2>/dev/null || true' INT TERM
            status=0
            while :; do
                if wait "$session"; then status=0; else status=$?; fi
                kill -0 "$session" 2>/dev/null || break
            done
            exit "$status"
        else
            echo "run.sh: WARNING: setsid not found: running without priority" >&2
        fi
    else
        renice -n "$PRIORITY" -p $$ >/dev/null || die "could not renice to $PRIORITY"
        priority_mode="nice $PRIORITY"
    fi
fi

# ---------------------------------------------------------------- prerequisites

need_packages=()
command -v wrk >/dev/null || need_packages+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need_packages+=(nginx)
if ((${#need_packages[@]} > 0)); then
    if ((EUID == 0)) && command -v apt-get >/dev/null; then
        log "installing ${need_packages[*]} with apt-get"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_packages[@]}" >/dev/null
        # Debian starts the packaged nginx service; the benchmark never uses it and leaves it be.
    else
        die "missing ${need_packages[*]}: install them (Debian: sudo apt-get install -y ${need_packages[*]}) and run again"
    fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v taskset >/dev/null || die "taskset (util-linux) is missing"

# The first java (or javac, for building) of major version 21 or later.
java_major() {
    # No early exit in awk: java would die of SIGPIPE, and pipefail would report it.
    "$1" -version 2>&1 | awk -F'"' '/version/ && !found { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); found = 1 }'
}
find_jdk_tool() { # tool
    local candidate major
    local candidates=()
    [[ -n ${JAVA_HOME:-} ]] && candidates+=("$JAVA_HOME/bin/$1")
    candidates+=("$(command -v "$1" || true)")
    for candidate in /usr/lib/jvm/*/bin/"$1"; do candidates+=("$candidate"); done
    for candidate in "${candidates[@]}"; do
        [[ -n $candidate && -x $candidate ]] || continue
        if [[ $1 == javac ]]; then
            major=$(java_major "$(dirname "$candidate")/java")
        else
            major=$(java_major "$candidate")
        fi
        if [[ $major =~ ^[0-9]+$ ]] && ((major >= 21)); then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if [[ ! -f $JAR ]]; then
    command -v mvn >/dev/null || die "$JAR is missing and Maven is not installed: build it with 'mvn -B -DskipTests package' (JDK 21+)"
    javac_path=$(find_jdk_tool javac) || die "$JAR is missing and no JDK 21+ was found to build it: set JAVA_HOME"
    log "building $JAR (mvn -B -q -DskipTests package)"
    (cd "$ROOT" && JAVA_HOME=$(dirname "$(dirname "$javac_path")") mvn -B -q -DskipTests package) >&2
    [[ -f $JAR ]] || die "the build did not produce $JAR"
fi
JAVA=$(find_jdk_tool java) || die "no Java 21+ runtime found: set JAVA_HOME (the gateway needs Java 21 or later)"

# Two cores: the proxy under test on one, wrk and the upstream on the other (see README).
cpus=$(nproc --all 2>/dev/null || nproc)
if ((cpus >= 2)) && [[ $LOAD_CPU != "$PROXY_CPU" ]] &&
    taskset -c "$LOAD_CPU" true 2>/dev/null && taskset -c "$PROXY_CPU" true 2>/dev/null; then
    PIN_LOAD=(taskset -c "$LOAD_CPU")
    PIN_PROXY=(taskset -c "$PROXY_CPU")
    pinning="wrk + upstream on CPU $LOAD_CPU, proxies on CPU $PROXY_CPU"
    LOAD_STAT="cpu$LOAD_CPU" PROXY_STAT="cpu$PROXY_CPU"
else
    log "WARNING: cannot pin to CPUs $LOAD_CPU and $PROXY_CPU ($cpus CPUs): running unpinned, ratios will be noisier"
    PIN_LOAD=()
    PIN_PROXY=()
    pinning="none ($cpus CPUs)"
    LOAD_STAT="cpu" PROXY_STAT="" # all CPUs are accounted together
    BUSY=0
fi

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
ports=("$GATEWAY_PORT" "$ADMIN_PORT" "$UPSTREAM_PORT")
((REFERENCE)) && ports+=("$REFERENCE_PORT")
for port in "${ports[@]}"; do
    ! port_in_use "$port" || die "port $port on 127.0.0.1 is already in use: free it or set the *_PORT variables"
done

# ---------------------------------------------------------------- cleanup

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nexus-bench.XXXXXX")
STARTED=()          # every process this script started, stopped by cleanup
GATEWAY_PID=""
GATEWAY_STOPPED=0   # whether the gateway is paused with SIGSTOP

# Whether a pid is still a child of this script: a process that ended by itself may have had its
# pid reused by an unrelated process, which must never be signalled.
ours() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ $(cut -d' ' -f2 <<<"$stat") == "$$" ]]
}

cleanup() {
    local status=$? pid live=()
    trap - EXIT INT TERM
    for pid in "${STARTED[@]}"; do
        ours "$pid" && live+=("$pid")
    done
    for pid in "${live[@]}"; do
        # A paused JVM must be continued before it can act on SIGTERM.
        kill -CONT "$pid" 2>/dev/null || true
        kill -TERM "$pid" 2>/dev/null || true
    done
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        local alive=0
        for pid in "${live[@]}"; do
            ours "$pid" && alive=1
        done
        ((alive)) || break
        sleep 0.5
    done
    for pid in "${live[@]}"; do
        ours "$pid" && kill -KILL "$pid" 2>/dev/null
    done
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

# Records a process this script started. Long-running ones also go to LONG_LOAD or LONG_PROXY
# by the CPU they are pinned to, for the accounting of other processes' CPU time.
LONG_LOAD=()
LONG_PROXY=()
started() { # pid [load|proxy]
    STARTED+=("$1")
    case ${2:-} in
        load) LONG_LOAD+=("$1") ;;
        proxy) if [[ -n $PROXY_STAT ]]; then LONG_PROXY+=("$1"); else LONG_LOAD+=("$1"); fi ;;
    esac
}

# ---------------------------------------------------------------- time budget

targets=(gateway direct)
((REFERENCE)) && targets+=(reference)
warmup_budget=0
((SKIP_WARMUP)) || warmup_budget=$((WARMUP_MAX + WARMUP_SLICE))
measure_budget=$((ROUNDS * ${#targets[@]} * (DURATION + 2) + 2 * (${#targets[@]} - 1) * 3))
# Start-up (at most 60 s for readiness) plus a margin; the busy loops end by themselves after it.
BUDGET=$((60 + warmup_budget + measure_budget + 30))
log "at most ~$((warmup_budget + measure_budget + 20)) s expected: warm-up <= ${warmup_budget}s, $ROUNDS rounds x ${#targets[@]} targets x ${DURATION}s"

if ((BUSY)) && command -v chrt >/dev/null; then
    # Idle vCPUs of this VM type wake slowly and show as steal; a SCHED_IDLE loop keeps them awake
    # without taking time from real work (benchmarking notes). Bounded by the whole run's budget.
    # They share the measured processes' scheduling group: SCHED_IDLE ranks a task only there.
    chrt -i 0 taskset -c "$LOAD_CPU" bash -c "while ((SECONDS < $BUDGET)); do :; done" &
    started "$!" load
    chrt -i 0 taskset -c "$PROXY_CPU" bash -c "while ((SECONDS < $BUDGET)); do :; done" &
    started "$!" proxy
elif ((BUSY)); then
    log "chrt not found: no busy loops"
    BUSY=0
fi

# ---------------------------------------------------------------- upstream and reference proxy

BODY='{"service":"nexus-bench-upstream","status":"ok","padding":"0123456789abcdefghijklmnopqrstuvwxyz+-*/=."}'

# nginx with its own prefix, pid, logs and temp paths: never the system configuration.
write_nginx_conf() { # dir server-block
    mkdir -p "$1/tmp"
    cat >"$1/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $1/tmp/body;
    proxy_temp_path $1/tmp/proxy;
    fastcgi_temp_path $1/tmp/fastcgi;
    uwsgi_temp_path $1/tmp/uwsgi;
    scgi_temp_path $1/tmp/scgi;
    # No connection is closed during a run (the default closes one every 1000 requests).
    keepalive_timeout 300s;
    keepalive_requests 100000000;
$2
}
EOF
}

start_nginx() { # name dir load|proxy pin...
    local name=$1 dir=$2 role=$3
    shift 3
    "$@" "$NGINX" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" >"$dir/stdout.log" 2>&1 &
    printf -v "${name}_PID" '%s' "$!"
    started "$!" "$role"
}

write_nginx_conf "$WORK/upstream" "    server {
        listen 127.0.0.1:$UPSTREAM_PORT;
        location / {
            default_type application/json;
            return 200 '$BODY';
        }
    }"
UPSTREAM_PID=""
start_nginx UPSTREAM "$WORK/upstream" load "${PIN_LOAD[@]}"

REFERENCE_PID=""
if ((REFERENCE)); then
    write_nginx_conf "$WORK/reference" "    upstream bench {
        server 127.0.0.1:$UPSTREAM_PORT;
        keepalive $CONNECTIONS;
        keepalive_requests 100000000;
        keepalive_timeout 300s;
    }
    server {
        listen 127.0.0.1:$REFERENCE_PORT;
        location / {
            proxy_pass http://bench;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
        }
    }"
    start_nginx REFERENCE "$WORK/reference" proxy "${PIN_PROXY[@]}"
fi

# ---------------------------------------------------------------- gateway

{
    echo "nexus {"
    echo "  server {"
    echo "    host = \"127.0.0.1\", port = $GATEWAY_PORT, max-concurrent-requests = 10000"
    [[ -n $VIRTUAL_THREADS ]] && echo "    virtual-threads = $VIRTUAL_THREADS"
    echo "    shutdown { drain-delay = 0s, timeout = 5s }"
    echo "  }"
    echo "  admin { port = $ADMIN_PORT }"
    echo "  upstreams { bench { targets = [\"http://127.0.0.1:$UPSTREAM_PORT\"] } }"
    echo "  routes = [ { name = \"bench\", path = \"/\", upstream = \"bench\" } ]"
    echo "}"
} >"$WORK/gateway.conf"

# One CPU for the JVM (it then picks SerialGC and sizes its pools for one core) and a fixed heap.
jvm_opts=(-XX:ActiveProcessorCount=1 -Xms512m -Xmx512m)
if [[ -n $GATEWAY_JAVA_OPTS ]]; then
    read -r -a extra_opts <<<"$GATEWAY_JAVA_OPTS"
    jvm_opts+=("${extra_opts[@]}")
fi
"${PIN_PROXY[@]}" "$JAVA" "${jvm_opts[@]}" -jar "$JAR" --config "$WORK/gateway.conf" >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
started "$GATEWAY_PID" proxy

http_status() { # port path: prints the status code of a GET, fails if none
    (
        exec 3<>"/dev/tcp/127.0.0.1/$1"
        printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
        IFS=' ' read -r -t 5 _ code _ <&3
        echo "$code"
    ) 2>/dev/null
}

log "waiting for the gateway (pid $GATEWAY_PID) to be ready on 127.0.0.1:$ADMIN_PORT/readyz"
for ((i = 0; ; i++)); do
    kill -0 "$GATEWAY_PID" 2>/dev/null || die "the gateway exited during start-up"
    [[ $(http_status "$ADMIN_PORT" /readyz || true) == 200 ]] && break
    ((i < 600)) || die "the gateway was not ready after 60 s"
    sleep 0.1
done
kill -0 "$UPSTREAM_PID" 2>/dev/null || die "the upstream nginx exited: $(tail -n 3 "$WORK/upstream/error.log" 2>/dev/null)"
if ((REFERENCE)); then
    kill -0 "$REFERENCE_PID" 2>/dev/null || die "the reference nginx exited: $(tail -n 3 "$WORK/reference/error.log" 2>/dev/null)"
fi

declare -A URL=(
    [gateway]="http://127.0.0.1:$GATEWAY_PORT/"
    [direct]="http://127.0.0.1:$UPSTREAM_PORT/"
    [reference]="http://127.0.0.1:$REFERENCE_PORT/"
)
declare -A LABEL=(
    [gateway]="Nexus gateway"
    [direct]="direct to the upstream"
    [reference]="nginx reverse proxy (reference)"
)
for target in "${targets[@]}"; do
    port=${URL[$target]#http://127.0.0.1:}
    code=$(http_status "${port%/}" / || true)
    [[ $code == 200 ]] || die "$target (${URL[$target]}) answered '${code:-nothing}' instead of 200"
done

# ---------------------------------------------------------------- measuring

# wrk reports through this script's done() in one machine-readable line (latency in ms).
cat >"$WORK/report.lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("NEXUS_BENCH %.1f %.3f %.3f %d\n",
    summary.requests / (summary.duration / 1000000),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status + e.connect + e.read + e.write + e.timeout))
end
EOF

pause_gateway() {
    if ((PAUSE)) && ((GATEWAY_STOPPED == 0)); then
        kill -STOP "$GATEWAY_PID"
        GATEWAY_STOPPED=1
    fi
}
resume_gateway() {
    if ((GATEWAY_STOPPED)); then
        kill -CONT "$GATEWAY_PID"
        GATEWAY_STOPPED=0
        sleep 1 # lets the JVM catch up on its timers before it is measured
    fi
}

# CPU time of other processes, to tell a clean run from one that shared the machine: busy
# ticks (user, nice, system) of the CPUs a target uses less those of this script's processes
# pinned there. Interrupt and softirq time (loopback traffic) is left out on both sides.
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
ticks_of() { # pid [children]: utime + stime (+ cutime + cstime of reaped children)
    local stat f
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return 0; }
    read -r -a f <<<"${stat##*) }"
    # f[0] is field 3 of proc(5); utime, stime, cutime, cstime are fields 14-17.
    if [[ -n ${2:-} ]]; then echo $((f[11] + f[12] + f[13] + f[14])); else echo $((f[11] + f[12])); fi
}
ticks_of_all() { # pid...: with their children (nginx workers are children of their master)
    local total=0 pid child
    for pid in "$@"; do
        ours "$pid" || continue
        total=$((total + $(ticks_of "$pid")))
        for child in $(pgrep -P "$pid" 2>/dev/null || true); do
            total=$((total + $(ticks_of "$child")))
        done
    done
    echo "$total"
}
cpu_sample() { # prints: busy-load-cpu busy-proxy-cpu ours-load-cpu ours-proxy-cpu seconds
    local name user nice system _rest busy_load=0 busy_proxy=0
    while read -r name user nice system _rest; do
        [[ $name != "$LOAD_STAT" ]] || busy_load=$((user + nice + system))
        [[ $name != "$PROXY_STAT" ]] || busy_proxy=$((user + nice + system))
    done </proc/stat
    # wrk, pinned to the load CPU, is in the script's reaped-children time (with tiny helpers).
    echo "$busy_load $busy_proxy $(($(ticks_of $$ children) + $(ticks_of_all "${LONG_LOAD[@]}"))) $(ticks_of_all "${LONG_PROXY[@]}") $EPOCHREALTIME"
}

RUN=0
# Runs wrk against a target; sets R_RPS, R_P50, R_P99 (ms) and R_ERR.
run_wrk() { # target seconds
    local out line
    RUN=$((RUN + 1))
    out="$WORK/wrk-$RUN-$1.txt"
    if [[ $1 == gateway ]]; then resume_gateway; else pause_gateway; fi
    cpu_before=$(cpu_sample)
    "${PIN_LOAD[@]}" wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$2s" --latency -s "$WORK/report.lua" "${URL[$1]}" >"$out" 2>&1 &
    WRK_PID=$!
    started "$WRK_PID"
    wait "$WRK_PID" || die "wrk against $1 failed: $(tail -n 3 "$out")"
    cpu_after=$(cpu_sample)
    line=$(grep '^NEXUS_BENCH ' "$out") || die "no result from wrk against $1: $(tail -n 3 "$out")"
    read -r _ R_RPS R_P50 R_P99 R_ERR <<<"$line"
    # The direct target leaves the proxy CPU idle: what others do there does not disturb it.
    R_FOREIGN=$(awk -v a="$cpu_before" -v b="$cpu_after" -v hz="$CLK_TCK" -v direct="$([[ $1 == direct ]] && echo 1 || echo 0)" 'BEGIN {
        split(a, x, " "); split(b, y, " ")
        seconds = y[5] - x[5]
        load = (y[1] - x[1]) - (y[3] - x[3]); proxy = (y[2] - x[2]) - (y[4] - x[4])
        other = (load > 0 ? load : 0) + (direct || proxy < 0 ? 0 : proxy)
        printf "%.0f", (seconds > 0 ? other / hz / seconds * 100 : 0) }')
    kill -0 "$GATEWAY_PID" 2>/dev/null || die "the gateway died during the run against $1"
}

WARMUP_LOG=""
if ((SKIP_WARMUP)); then
    log "warm-up skipped: the gateway is measured cold"
    WARMUP_LOG="skipped"
elif ((WARMUP_MAX > 0)); then
    # JIT warm-up on one core takes 60-80 s: slices until two in a row gain < 5%, or the maximum.
    log "warming up the gateway in ${WARMUP_SLICE}s slices (at most ${WARMUP_MAX}s)"
    # A slice "gains" when it beats the best slice so far; a dip (a GC, a noisy neighbour) is no gain.
    elapsed=0 best="" calm=0 warmed=0
    while ((elapsed < WARMUP_MAX)); do
        run_wrk gateway "$WARMUP_SLICE"
        elapsed=$((elapsed + WARMUP_SLICE))
        gain=""
        if [[ -n $best ]]; then
            gain=$(awk -v a="$R_RPS" -v b="$best" 'BEGIN { printf "%+.1f", (b > 0 ? (a - b) / b * 100 : 100) }')
            if awk -v g="$gain" 'BEGIN { exit !(g < 5) }'; then calm=$((calm + 1)); else calm=0; fi
        fi
        log "  warm-up ${elapsed}s: $(printf '%.0f' "$R_RPS") req/s${gain:+ (${gain}% on the best so far)}, p99 ${R_P99} ms, errors $R_ERR, other processes ${R_FOREIGN}% CPU"
        WARMUP_LOG+="${WARMUP_LOG:+, }$(printf '%.0f' "$R_RPS")"
        if [[ -z $best ]] || awk -v a="$R_RPS" -v b="$best" 'BEGIN { exit !(a > b) }'; then best=$R_RPS; fi
        if ((calm >= 2)); then
            warmed=1
            break
        fi
    done
    if ((warmed)); then
        WARMUP_LOG="${elapsed}s, levelled off (req/s per slice: $WARMUP_LOG)"
    else
        log "WARNING: throughput still rising after ${elapsed}s of warm-up: the gateway may be understated"
        WARMUP_LOG="${elapsed}s, hit the maximum before levelling off (req/s per slice: $WARMUP_LOG)"
    fi
fi
# The other targets only need their connections opened (nginx has no JIT).
for target in "${targets[@]}"; do
    [[ $target == gateway ]] || run_wrk "$target" 2
done

declare -A RPS P50 P99 ERR
FOREIGN=""
for target in "${targets[@]}"; do
    RPS[$target]="" P50[$target]="" P99[$target]="" ERR[$target]=0
done
for ((round = 1; round <= ROUNDS; round++)); do
    for target in "${targets[@]}"; do
        run_wrk "$target" "$DURATION"
        RPS[$target]+="$R_RPS " P50[$target]+="$R_P50 " P99[$target]+="$R_P99 "
        ERR[$target]=$((ERR[$target] + R_ERR))
        FOREIGN+="$R_FOREIGN "
        log "round $round/$ROUNDS $target: $(printf '%.0f' "$R_RPS") req/s, p50 $R_P50 ms, p99 $R_P99 ms, errors $R_ERR, other processes ${R_FOREIGN}% CPU"
    done
done
resume_gateway

# ---------------------------------------------------------------- report

median() {
    tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
fmt_int() { # thousands separators without relying on the locale
    printf '%.0f' "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/;ta'
}

direct_rps=$(median "${RPS[direct]}")
table="| target | req/s (median) | p50 | p99 | errors | ratio to direct |
| --- | ---: | ---: | ---: | ---: | ---: |"
declare -A MEDIAN
for target in "${targets[@]}"; do
    rps=$(median "${RPS[$target]}")
    MEDIAN[$target]=$rps
    p50=$(median "${P50[$target]}")
    p99=$(median "${P99[$target]}")
    ratio=$(awk -v a="$rps" -v b="$direct_rps" 'BEGIN { printf "%.2f", a / b }')
    table+=$'\n'"| ${LABEL[$target]} | $(fmt_int "$rps") | $(printf '%.2f' "$p50") ms | $(printf '%.2f' "$p99") ms | ${ERR[$target]} | $ratio |"
done

# wrk -v exits 1 after printing its version.
java_version=$({ "$JAVA" -version 2>&1 || true; } | awk 'NR == 1')
nginx_version=$({ "$NGINX" -v 2>&1 || true; } | sed 's/^nginx version: //')
wrk_version=$({ wrk -v 2>&1 || true; } | awk 'NR == 1 { print $2 }')
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
threads_mode=${VIRTUAL_THREADS:-default}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
gateway_ratio=$(awk -v a="${MEDIAN[gateway]}" -v b="$direct_rps" 'BEGIN { printf "%.2f", a / b }')
reference_ratio=""
foreign_median=$(median "$FOREIGN")
foreign_max=$(tr ' ' '\n' <<<"$FOREIGN" | grep . | sort -g | tail -n 1)
if ((foreign_max > 10)); then
    log "WARNING: other processes used up to ${foreign_max}% of a CPU during the measured runs: ratios may be off"
fi
if ((REFERENCE)); then
    reference_ratio=$(awk -v a="${MEDIAN[gateway]}" -v b="${MEDIAN[reference]}" -v r="${MEDIAN[reference]}" -v d="$direct_rps" \
        'BEGIN { printf "; gateway / reference proxy: **%.2f** (reference / direct: %.2f)", a / b, r / d }')
fi

report="## Nexus load benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')

$table

- Gateway / direct: **$gateway_ratio**$reference_ratio
- Settings: $ROUNDS interleaved rounds x ${DURATION}s of \`wrk -t$WRK_THREADS -c$CONNECTIONS --latency\`, medians over rounds, errors summed (non-2xx + socket errors); GET / with a ${#BODY}-byte upstream body.
- Warm-up of the gateway: $WARMUP_LOG.
- Pinning: $pinning; gateway JVM \`${jvm_opts[*]}\`, virtual threads: $threads_mode; gateway paused while other targets run: $([[ $PAUSE == 1 ]] && echo yes || echo no); SCHED_IDLE busy loops: $([[ $BUSY == 1 ]] && echo yes || echo no); priority: $priority_mode.
- CPU used by other processes during the measured runs (percent of one CPU): median $foreign_median, max $foreign_max (high values: the machine was shared during the run, so trust its ratios less).
- Versions: commit $commit; $java_version; nginx $nginx_version; wrk $wrk_version; $(uname -sr); $cpus CPUs ($cpu_model).
- Raw req/s per round: $(for t in "${targets[@]}"; do printf '%s [%s] ' "$t" "$(for v in ${RPS[$t]}; do printf '%.0f ' "$v"; done | sed 's/ $//')"; done | sed 's/ $//')."

echo "$report"
if mkdir -p "$RESULTS_DIR" 2>/dev/null; then
    echo "$report" >"$RESULTS_DIR/$stamp.md"
    log "saved to $RESULTS_DIR/$stamp.md"
else
    log "WARNING: could not create $RESULTS_DIR: results not saved"
fi
