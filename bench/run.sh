#!/usr/bin/env bash
# Load benchmark of Nexus (PF3): the gateway's throughput and latency next to a direct call to
# the same upstream, three reference proxies (nginx, HAProxy, Caddy) and two JVM baselines (a bare Jetty
# AsyncProxyServlet, Spring Cloud Gateway), measured with wrk at one or more connection counts.
# With --compare-jar, a second gateway build (gateway-base) is measured in the same rounds.
# Method and its reasons: bench/README.md. Usage: bench/run.sh --help
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
ARGS=("$@")

usage() {
    cat <<'EOF'
Usage: bench/run.sh [options]

Options (each also settable through the environment variable in brackets):
  -d, --duration SECONDS     length of one measured wrk run, 1-60 [DURATION, default 10]
  -r, --rounds N             interleaved rounds, 1-10 [ROUNDS, default 3]
  -c, --connections LIST     wrk connection counts, comma-separated, each 1-1024 (1024 lifts the
                             open-file limit as far as allowed) [CONNECTIONS, default 64,256]
  -t, --targets LIST         targets, comma-separated, from: gateway direct nginx haproxy caddy
                             jetty scg, and gateway-base with --compare-jar (gateway and direct are
                             always measured, and gateway-base with --compare-jar: the ratios need
                             them) [TARGETS, default all: gateway,direct,nginx,haproxy,caddy,jetty,scg]
      --compare-jar JAR      also measure a second gateway build, target gateway-base (e.g. main's
                             jar next to a refactoring's): started exactly like the gateway (same
                             JVM flags, config, core), its own ports, warmed up and measured in the
                             same interleaved rounds; the report adds "gateway / gateway-base"
                             [COMPARE_JAR, default none]
      --compare-heap SIZE    run the gateway with a heap of SIZE (e.g. 128m) and gateway-base
                             (the --compare-jar, else the same jar) with HEAP, otherwise alike:
                             the report's "gateway / gateway-base" is then the cost of the smaller
                             heap, its JVM table the RSS and GC of each [COMPARE_HEAP, default none]
      --warmup-max SECONDS   longest JIT warm-up of each JVM, 0-300 [WARMUP_MAX, default 180]
      --warmup-slice SECONDS length of one warm-up slice, 2-30 [WARMUP_SLICE, default 10]
      --no-warmup            skip the warm-up (results then understate the JVMs) [SKIP_WARMUP=1]
      --no-reference         leave out the reference proxies, nginx, HAProxy and Caddy [REFERENCE=0]
      --no-baselines         leave out both JVM baselines, Jetty and SCG [BASELINES=0]
      --no-pause             do not SIGSTOP the JVMs not being measured [PAUSE=0]
      --no-busy              no SCHED_IDLE busy loops keeping idle vCPUs awake [BUSY=0]
      --priority N           nice value, -20..0, for every measured process; as root only
                             [PRIORITY, default -10 as root, 0 otherwise; 0 turns it off]
  -h, --help                 this text

Other environment variables:
  JAR                  gateway jar [gateway-launcher/target/nexus-gateway.jar, built if missing]
  COMPARE_JAR          the gateway-base jar, as --compare-jar (never built: it must exist)
  JETTY_JAR, SCG_JAR   baseline jars [bench/baselines/*/target/*.jar, built if missing]
  JAVA_HOME            JDK/JRE 21+ to run the JVMs (else the first java 21+ found)
  GATEWAY_JAVA_OPTS    extra JVM options for the gateway (and gateway-base), after the fixed ones
  NMT                  1: the gateway (and gateway-base) run with -XX:NativeMemoryTracking=summary
                       and the report adds their committed memory by area (heap, metaspace, code
                       cache, threads, direct buffers, ...) at the end of the run [0]
  GATEWAY_CONFIG_EXTRA HOCON added inside nexus {} of the gateway's config only, not
                       gateway-base's: measures a setting's cost with --compare-jar of the same
                       jar (e.g. 'config.guard.enabled = true')
  VIRTUAL_THREADS      true/false: sets nexus.server.virtual-threads of the gateway (and
                       gateway-base) (default: the gateway's)
  JETTY_VIRTUAL_THREADS true/false: the Jetty baseline on virtual threads [false]
  HEAP                 fixed heap of every JVM (-Xms = -Xmx) [512m]; every JVM (gateway,
                       gateway-base, jetty, scg) gets -XX:ActiveProcessorCount=1 -Xms$HEAP -Xmx$HEAP,
                       checked in the running JVM (jcmd VM.flags) and quoted in the report
                       (with --compare-heap the gateway's heap is that size instead)
  LOAD_CPU, PROXY_CPU  cores for wrk + upstream and for the proxies [0, 1]
  GATEWAY_PORT, ADMIN_PORT, UPSTREAM_PORT, REFERENCE_PORT, HAPROXY_PORT, JETTY_PORT, SCG_PORT,
  CADDY_PORT           [18080, 19090, 18081, 18082, 18085, 18083, 18084, 18087]
  COMPARE_PORT, COMPARE_ADMIN_PORT  gateway-base's public and admin ports [18086, 19091]
  RESULTS_DIR          where the result file goes [bench/results]

Needs wrk, nginx, haproxy, caddy, taskset and a Java 21+ runtime (Maven and a JDK to build the
jars). As root, missing wrk, nginx, haproxy and caddy are installed with apt-get.
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
CONNECTIONS=${CONNECTIONS:-64,256}
TARGETS=${TARGETS:-gateway,direct,nginx,haproxy,caddy,jetty,scg}
BASELINES=${BASELINES:-1}
JETTY_VIRTUAL_THREADS=${JETTY_VIRTUAL_THREADS:-false}
HEAP=${HEAP:-512m}
WARMUP_MAX=${WARMUP_MAX:-180}
WARMUP_SLICE=${WARMUP_SLICE:-10}
SKIP_WARMUP=${SKIP_WARMUP:-0}
REFERENCE=${REFERENCE:-1}
PAUSE=${PAUSE:-1}
BUSY=${BUSY:-1}
if ((EUID == 0)); then PRIORITY=${PRIORITY:--10}; else PRIORITY=${PRIORITY:-0}; fi
VIRTUAL_THREADS=${VIRTUAL_THREADS:-}
GATEWAY_CONFIG_EXTRA=${GATEWAY_CONFIG_EXTRA:-}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-}
LOAD_CPU=${LOAD_CPU:-0}
PROXY_CPU=${PROXY_CPU:-1}
GATEWAY_PORT=${GATEWAY_PORT:-18080}
ADMIN_PORT=${ADMIN_PORT:-19090}
UPSTREAM_PORT=${UPSTREAM_PORT:-18081}
REFERENCE_PORT=${REFERENCE_PORT:-18082}
HAPROXY_PORT=${HAPROXY_PORT:-18085}
CADDY_PORT=${CADDY_PORT:-18087}
JETTY_PORT=${JETTY_PORT:-18083}
SCG_PORT=${SCG_PORT:-18084}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}
JAR=${JAR:-$ROOT/gateway-launcher/target/nexus-gateway.jar}
COMPARE_JAR=${COMPARE_JAR:-}
COMPARE_HEAP=${COMPARE_HEAP:-}
NMT=${NMT:-0}
COMPARE_PORT=${COMPARE_PORT:-18086}
COMPARE_ADMIN_PORT=${COMPARE_ADMIN_PORT:-19091}
JETTY_JAR=${JETTY_JAR:-$ROOT/bench/baselines/jetty-proxy/target/jetty-proxy-baseline.jar}
SCG_JAR=${SCG_JAR:-$ROOT/bench/baselines/scg/target/scg-baseline.jar}
# wrk threads: one, as in the notes; a second one would compete with the upstream for its core.
WRK_THREADS=1

while (($# > 0)); do
    case $1 in
        -d | --duration) DURATION=${2:?$1 needs a value}; shift ;;
        -r | --rounds) ROUNDS=${2:?$1 needs a value}; shift ;;
        -c | --connections) CONNECTIONS=${2:?$1 needs a value}; shift ;;
        -t | --targets) TARGETS=${2:?$1 needs a value}; shift ;;
        --compare-jar) COMPARE_JAR=${2:?$1 needs a value}; shift ;;
        --compare-heap) COMPARE_HEAP=${2:?$1 needs a value}; shift ;;
        --no-baselines) BASELINES=0 ;;
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
check_int duration "$DURATION" 1 60
check_int rounds "$ROUNDS" 1 10
IFS=',' read -r -a CONNS <<<"$CONNECTIONS"
((${#CONNS[@]} > 0 && ${#CONNS[@]} <= 4)) || die "--connections takes 1 to 4 comma-separated counts, got '$CONNECTIONS'"
for conns in "${CONNS[@]}"; do check_int connections "$conns" 1 1024; done
MAX_CONNS=$(printf '%s\n' "${CONNS[@]}" | sort -n | tail -n 1)
# The measured targets, in a fixed order; gateway and direct always (the ratios need both), and
# gateway-base whenever a compare jar is given.
declare -A WANT=([gateway]=1 [direct]=1)
if [[ -n $COMPARE_JAR ]]; then
    [[ -f $COMPARE_JAR ]] || die "--compare-jar: no such file: $COMPARE_JAR"
    WANT[gateway-base]=1
fi
# --compare-heap without --compare-jar compares the gateway jar with itself (built below if missing).
if [[ -n $COMPARE_HEAP ]]; then
    [[ $COMPARE_HEAP =~ ^[0-9]+[mg]$ ]] || die "--compare-heap must look like 128m or 1g, got '$COMPARE_HEAP'"
    COMPARE_JAR=${COMPARE_JAR:-$JAR}
    WANT[gateway-base]=1
fi
IFS=',' read -r -a wanted <<<"$TARGETS"
for target in "${wanted[@]}"; do
    case $target in
        gateway | direct | nginx | haproxy | caddy | jetty | scg) WANT[$target]=1 ;;
        gateway-base) [[ -n $COMPARE_JAR ]] || die "target gateway-base needs --compare-jar JAR (or COMPARE_JAR)" ;;
        *) die "unknown target '$target' (known: gateway direct nginx haproxy caddy jetty scg, and gateway-base with --compare-jar)" ;;
    esac
done
((REFERENCE)) || unset 'WANT[nginx]' 'WANT[haproxy]' 'WANT[caddy]'
((BASELINES)) || unset 'WANT[jetty]' 'WANT[scg]'
targets=()
for target in gateway gateway-base jetty scg direct nginx haproxy caddy; do
    [[ -z ${WANT[$target]:-} ]] || targets+=("$target")
done
has_target() { [[ -n ${WANT[$1]:-} ]]; }
check_int warmup-max "$WARMUP_MAX" 0 300
check_int warmup-slice "$WARMUP_SLICE" 2 30
check_int priority "${PRIORITY#-}" 0 20
((EUID == 0 || PRIORITY == 0)) || die "--priority below 0 needs root (or PRIORITY=0)"
for port in "$GATEWAY_PORT" "$ADMIN_PORT" "$UPSTREAM_PORT" "$REFERENCE_PORT" "$HAPROXY_PORT" "$CADDY_PORT" "$JETTY_PORT" "$SCG_PORT" "$COMPARE_PORT" "$COMPARE_ADMIN_PORT"; do
    check_int port "$port" 1024 65535
done
case $VIRTUAL_THREADS in "" | true | false) ;; *) die "VIRTUAL_THREADS must be true or false" ;; esac
case $JETTY_VIRTUAL_THREADS in true | false) ;; *) die "JETTY_VIRTUAL_THREADS must be true or false" ;; esac
[[ $HEAP =~ ^[0-9]+[mg]$ ]] || die "HEAP must look like 512m or 1g, got '$HEAP'"
GATEWAY_HEAP=${COMPARE_HEAP:-$HEAP}
case $NMT in 0 | 1) ;; *) die "NMT must be 0 or 1, got '$NMT'" ;; esac

# wrk holds a descriptor per connection, a proxy two (its client and upstream sides), and the
# upstream nginx one per kept-alive connection of every target at once: c1024 does not fit the
# usual soft limit of 1024 open files. The soft limit (inherited by all this script starts) is
# lifted as far as the hard one allows.
need_files=$(((${#targets[@]} + 1) * MAX_CONNS + 256))
UPSTREAM_WORKER_CONNECTIONS=$((need_files > 4096 ? need_files : 4096))
open_files() { local n; n=$(ulimit -n); [[ $n == unlimited ]] && echo 1048576 || echo "$n"; }
if (($(open_files) < need_files)); then
    hard=$(ulimit -Hn)
    if [[ $hard == unlimited ]] || ((hard >= 65536)); then hard=65536; fi
    ulimit -n "$hard" 2>/dev/null || true
    (($(open_files) >= need_files)) || die "c$MAX_CONNS with ${#targets[@]} targets needs $need_files open files per process; the limit is $(ulimit -n) (hard $(ulimit -Hn)): raise it and run again"
fi

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
if has_target haproxy; then command -v haproxy >/dev/null || [[ -x /usr/sbin/haproxy ]] || need_packages+=(haproxy); fi
if has_target caddy; then command -v caddy >/dev/null || [[ -x /usr/bin/caddy ]] || need_packages+=(caddy); fi
if ((${#need_packages[@]} > 0)); then
    if ((EUID == 0)) && command -v apt-get >/dev/null; then
        log "installing ${need_packages[*]} with apt-get"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_packages[@]}" >/dev/null
        # Debian starts the packaged nginx, haproxy and caddy services; the benchmark never uses
        # them (its own ports and configs) and leaves them be.
    else
        die "missing ${need_packages[*]}: install them (Debian: sudo apt-get install -y ${need_packages[*]}) and run again"
    fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
CADDY=$(command -v caddy || echo /usr/bin/caddy)
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
        if [[ $1 != java ]]; then # javac, jstat: the version of the java beside it
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
# The baselines are standalone Maven projects outside the root reactor (bench/baselines/).
build_baseline() { # jar project-dir
    [[ -f $1 ]] && return 0
    command -v mvn >/dev/null || die "$1 is missing and Maven is not installed: mvn -f $2/pom.xml package"
    javac_path=$(find_jdk_tool javac) || die "$1 is missing and no JDK 21+ was found to build it: set JAVA_HOME"
    log "building $1 (mvn -f $2/pom.xml package)"
    JAVA_HOME=$(dirname "$(dirname "$javac_path")") mvn -B -q -ntp -DskipTests -f "$2/pom.xml" package >&2
    [[ -f $1 ]] || die "the build did not produce $1"
}
if has_target jetty; then build_baseline "$JETTY_JAR" "$ROOT/bench/baselines/jetty-proxy"; fi
if has_target scg; then build_baseline "$SCG_JAR" "$ROOT/bench/baselines/scg"; fi
JAVA=$(find_jdk_tool java) || die "no Java 21+ runtime found: set JAVA_HOME (the gateway needs Java 21 or later)"
# jstat (JDK only) tells how long the JIT compiled: warm-up also waits for it to go quiet.
JSTAT=$(find_jdk_tool jstat 2>/dev/null || true)

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

ports=("$GATEWAY_PORT" "$ADMIN_PORT" "$UPSTREAM_PORT")
if has_target nginx; then ports+=("$REFERENCE_PORT"); fi
if has_target haproxy; then ports+=("$HAPROXY_PORT"); fi
if has_target caddy; then ports+=("$CADDY_PORT"); fi
if has_target jetty; then ports+=("$JETTY_PORT"); fi
if has_target scg; then ports+=("$SCG_PORT"); fi
if has_target gateway-base; then ports+=("$COMPARE_PORT" "$COMPARE_ADMIN_PORT"); fi
require_free_ports "${ports[@]}"

# ---------------------------------------------------------------- cleanup

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nexus-bench.XXXXXX")
STARTED=()          # every process this script started, stopped by cleanup
GATEWAY_PID=""
declare -A JVM_PID=()     # target -> pid of its JVM (gateway, jetty, scg)
declare -A JVM_STOPPED=() # target -> 1 while the JVM is paused with SIGSTOP

# Whether a pid is still a child of this script: a process that ended by itself may have had its
# pid reused by an unrelated process, which must never be signalled.

cleanup() {
    local status=$? pid name live=()
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
    if ((status != 0)); then
        for name in gateway gateway-base; do
            [[ -f $WORK/$name.log ]] || continue
            echo "--- last lines of the $name log ---" >&2
            tail -n 20 "$WORK/$name.log" >&2 || true
        done
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

jvm_count=1
for target in gateway-base jetty scg; do if has_target "$target"; then jvm_count=$((jvm_count + 1)); fi; done
warmup_budget=0
((SKIP_WARMUP)) || warmup_budget=$((jvm_count * (WARMUP_MAX + WARMUP_SLICE + 1)))
measure_budget=$((ROUNDS * ${#CONNS[@]} * ${#targets[@]} * (DURATION + 2) + ${#targets[@]} * 3))
# Start-up (at most 60 s for readiness per JVM) plus a margin; the busy loops end by themselves after it.
BUDGET=$((60 * jvm_count + warmup_budget + measure_budget + 30))
log "targets: ${targets[*]}; connections: ${CONNS[*]}"
log "at most ~$((warmup_budget + measure_budget + 20 * jvm_count)) s expected: warm-up <= ${warmup_budget}s ($jvm_count JVMs), $ROUNDS rounds x ${#CONNS[@]} connection counts x ${#targets[@]} targets x ${DURATION}s"

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

# nginx with its own prefix, pid, logs and temp paths (bench/lib.sh): never the system configuration.
start_nginx() { # name dir load|proxy pin...
    local name=$1 dir=$2 role=$3
    shift 3
    "$@" "$NGINX" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" >"$dir/stdout.log" 2>&1 &
    printf -v "${name}_PID" '%s' "$!"
    started "$!" "$role"
}

NGINX_WORKER_CONNECTIONS=$UPSTREAM_WORKER_CONNECTIONS
write_upstream_conf "$WORK/upstream" "$UPSTREAM_PORT"
UPSTREAM_PID=""
start_nginx UPSTREAM "$WORK/upstream" load "${PIN_LOAD[@]}"

REFERENCE_PID=""
if has_target nginx; then
    write_nginx_conf "$WORK/reference" "    upstream bench {
        server 127.0.0.1:$UPSTREAM_PORT;
        keepalive $MAX_CONNS;
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

# HAProxy, the second reference: one thread, keep-alive both ways, idle upstream connections
# shared between client connections (http-reuse always), foreground (-db), its own config only.
HAPROXY_PID=""
if has_target haproxy; then
    cat >"$WORK/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 4096
defaults
    mode http
    option http-keep-alive
    http-reuse always
    timeout connect 5s
    timeout client 300s
    timeout server 300s
    timeout http-keep-alive 300s
frontend bench
    bind 127.0.0.1:$HAPROXY_PORT
    default_backend upstream
backend upstream
    server up 127.0.0.1:$UPSTREAM_PORT maxconn $MAX_CONNS
EOF
    "${PIN_PROXY[@]}" "$HAPROXY" -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
    HAPROXY_PID=$!
    started "$HAPROXY_PID" proxy
fi

# Caddy, the third reference: Go's net/http reverse proxy (the stack of the design review), one
# scheduler thread (GOMAXPROCS=1, the Go counterpart of the JVMs' one CPU), no admin endpoint, no
# automatic HTTPS, no access log (Caddy logs requests only with a log directive), kept-alive
# upstream connections: as many idle ones per host as clients (Caddy's default keeps 32, which
# would close and reopen connections at c64 and above). Any Host (no host matcher: wrk sends
# 127.0.0.1:port). Its state (the autosaved config) goes to the work dir, not the home directory.
CADDY_PID=""
if has_target caddy; then
    mkdir -p "$WORK/caddy"
    cat >"$WORK/caddy/Caddyfile" <<EOF
{
	admin off
	auto_https off
}
http://:$CADDY_PORT {
	bind 127.0.0.1
	reverse_proxy 127.0.0.1:$UPSTREAM_PORT {
		transport http {
			keepalive 300s
			keepalive_idle_conns $MAX_CONNS
			keepalive_idle_conns_per_host $MAX_CONNS
		}
	}
}
EOF
    "${PIN_PROXY[@]}" env GOMAXPROCS=1 HOME="$WORK/caddy" XDG_DATA_HOME="$WORK/caddy" XDG_CONFIG_HOME="$WORK/caddy" \
        "$CADDY" run --adapter caddyfile --config "$WORK/caddy/Caddyfile" >"$WORK/caddy.log" 2>&1 &
    CADDY_PID=$!
    started "$CADDY_PID" proxy
fi

# ---------------------------------------------------------------- gateway

# One CPU for the JVM (it then picks SerialGC and sizes its pools for one core) and a fixed heap.
# The same for the baselines (their own defaults otherwise).
# With --compare-heap only the gateway's heap differs.
base_jvm_opts=(-XX:ActiveProcessorCount=1 "-Xms$HEAP" "-Xmx$HEAP")
extra_opts=()
if [[ -n $GATEWAY_JAVA_OPTS ]]; then read -r -a extra_opts <<<"$GATEWAY_JAVA_OPTS"; fi
if ((NMT)); then extra_opts+=(-XX:NativeMemoryTracking=summary); fi
declare -A JVM_HEAP=([gateway]=$GATEWAY_HEAP [gateway-base]=$HEAP [jetty]=$HEAP [scg]=$HEAP)
# The gateway, and gateway-base (the compare jar) the same way: the same JVM options, the same
# config from bench/lib.sh (only the ports differ), the same core. Each keeps its last-known-good
# copy in the work dir (the default /tmp/nexus path is shared by every gateway on the host), and
# NEXUS_PORT, which would override the config's port, is not passed on.
start_gateway() { # target jar port admin-port
    local extra=""
    [[ $1 == gateway ]] && extra=$GATEWAY_CONFIG_EXTRA
    write_gateway_conf "$WORK/$1.conf" "$3" "$4" "$UPSTREAM_PORT" "$VIRTUAL_THREADS" "$extra"
    NEXUS_LAST_KNOWN_GOOD="$WORK/$1.last-known-good.conf" "${PIN_PROXY[@]}" env -u NEXUS_PORT \
        "$JAVA" -XX:ActiveProcessorCount=1 "-Xms${JVM_HEAP[$1]}" "-Xmx${JVM_HEAP[$1]}" "${extra_opts[@]}" \
        -jar "$2" --config "$WORK/$1.conf" >"$WORK/$1.log" 2>&1 &
    JVM_PID[$1]=$!
    started "$!" proxy
}
start_gateway gateway "$JAR" "$GATEWAY_PORT" "$ADMIN_PORT"
GATEWAY_PID=${JVM_PID[gateway]}

wait_ready() { # name pid port path
    local i
    log "waiting for $1 (pid $2) to be ready on 127.0.0.1:$3$4"
    for ((i = 0; ; i++)); do
        kill -0 "$2" 2>/dev/null || die "$1 exited during start-up: $(tail -n 5 "$WORK/$1.log" 2>/dev/null)"
        [[ $(http_status "$3" "$4" || true) == 200 ]] && break
        ((i < 600)) || die "$1 was not ready after 60 s"
        sleep 0.1
    done
}
# What each JVM really runs with, read from the running JVM (JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS,
# GATEWAY_JAVA_OPTS or a launcher could change it): one CPU and -Xms = -Xmx = its heap, else the
# run stops. Sets JVM_FLAGS[target] for the report: CPUs, heap and the collector the JVM chose.
JCMD=$(find_jdk_tool jcmd 2>/dev/null || true)
declare -A JVM_FLAGS=()
bytes_of() { # 512m | 1g
    local n=${1%?}
    case $1 in *g) echo $((n << 30)) ;; *) echo $((n << 20)) ;; esac
}
check_jvm() { # target pid
    local flags cpus initial max gc want
    want=$(bytes_of "${JVM_HEAP[$1]}")
    if [[ -n $JCMD ]]; then
        flags=$("$JCMD" "$2" VM.flags 2>/dev/null) || die "jcmd $2 VM.flags failed for $1"
    else # a JRE: the command line only
        flags=$(tr '\0' ' ' <"/proc/$2/cmdline")
        flags=${flags//-Xms${JVM_HEAP[$1]}/-XX:InitialHeapSize=$want}
        flags=${flags//-Xmx${JVM_HEAP[$1]}/-XX:MaxHeapSize=$want}
    fi
    cpus=$(grep -oE -- '-XX:ActiveProcessorCount=[0-9-]+' <<<"$flags" | tail -n 1 | cut -d= -f2 || true)
    initial=$(grep -oE -- '-XX:InitialHeapSize=[0-9]+' <<<"$flags" | tail -n 1 | cut -d= -f2 || true)
    max=$(grep -oE -- '-XX:MaxHeapSize=[0-9]+' <<<"$flags" | tail -n 1 | cut -d= -f2 || true)
    gc=$(grep -oE -- '-XX:\+Use[A-Za-z0-9]*GC' <<<"$flags" | head -n 1 | sed 's/^-XX:+Use//' || true)
    [[ $cpus == 1 && $initial == "$want" && $max == "$want" ]] ||
        die "$1 runs with ActiveProcessorCount=${cpus:-?} InitialHeapSize=${initial:-?} MaxHeapSize=${max:-?}, not 1, $want and $want (JAVA_TOOL_OPTIONS='${JAVA_TOOL_OPTIONS:-}' JDK_JAVA_OPTIONS='${JDK_JAVA_OPTIONS:-}' GATEWAY_JAVA_OPTS='$GATEWAY_JAVA_OPTS')"
    JVM_FLAGS[$1]="$1 1 CPU, heap ${JVM_HEAP[$1]} initial = max${gc:+, $gc}"
}
# The JVMs start one after the other, each alone on the proxy core, then wait paused.
wait_ready gateway "$GATEWAY_PID" "$ADMIN_PORT" /readyz
check_jvm gateway "$GATEWAY_PID"
PAUSE_FOR_START=$PAUSE
if ((PAUSE_FOR_START)); then kill -STOP "$GATEWAY_PID"; JVM_STOPPED[gateway]=1; fi
if has_target gateway-base; then
    start_gateway gateway-base "$COMPARE_JAR" "$COMPARE_PORT" "$COMPARE_ADMIN_PORT"
    wait_ready gateway-base "${JVM_PID[gateway-base]}" "$COMPARE_ADMIN_PORT" /readyz
    check_jvm gateway-base "${JVM_PID[gateway-base]}"
    if ((PAUSE_FOR_START)); then kill -STOP "${JVM_PID[gateway-base]}"; JVM_STOPPED[gateway-base]=1; fi
fi
JETTY_MODE="QueuedThreadPool"
if has_target jetty; then
    jetty_args=("$JETTY_PORT" "http://127.0.0.1:$UPSTREAM_PORT")
    if [[ $JETTY_VIRTUAL_THREADS == true ]]; then jetty_args+=(--virtual-threads); JETTY_MODE="virtual threads"; fi
    "${PIN_PROXY[@]}" "$JAVA" "${base_jvm_opts[@]}" -jar "$JETTY_JAR" "${jetty_args[@]}" >"$WORK/jetty.log" 2>&1 &
    JVM_PID[jetty]=$!
    started "$!" proxy
    wait_ready jetty "${JVM_PID[jetty]}" "$JETTY_PORT" /
    check_jvm jetty "${JVM_PID[jetty]}"
    if ((PAUSE_FOR_START)); then kill -STOP "${JVM_PID[jetty]}"; JVM_STOPPED[jetty]=1; fi
fi
if has_target scg; then
    "${PIN_PROXY[@]}" "$JAVA" "${base_jvm_opts[@]}" -jar "$SCG_JAR" "--server.port=$SCG_PORT" \
        "--upstream=http://127.0.0.1:$UPSTREAM_PORT" >"$WORK/scg.log" 2>&1 &
    JVM_PID[scg]=$!
    started "$!" proxy
    wait_ready scg "${JVM_PID[scg]}" "$SCG_PORT" /
    check_jvm scg "${JVM_PID[scg]}"
    if ((PAUSE_FOR_START)); then kill -STOP "${JVM_PID[scg]}"; JVM_STOPPED[scg]=1; fi
fi
kill -0 "$UPSTREAM_PID" 2>/dev/null || die "the upstream nginx exited: $(tail -n 3 "$WORK/upstream/error.log" 2>/dev/null)"
if has_target nginx; then
    kill -0 "$REFERENCE_PID" 2>/dev/null || die "the reference nginx exited: $(tail -n 3 "$WORK/reference/error.log" 2>/dev/null)"
fi
if has_target haproxy; then
    kill -0 "$HAPROXY_PID" 2>/dev/null || die "haproxy exited: $(tail -n 3 "$WORK/haproxy.log" 2>/dev/null)"
fi
if has_target caddy; then wait_ready caddy "$CADDY_PID" "$CADDY_PORT" /; fi

declare -A URL=(
    [gateway]="http://127.0.0.1:$GATEWAY_PORT/"
    [gateway-base]="http://127.0.0.1:$COMPARE_PORT/"
    [direct]="http://127.0.0.1:$UPSTREAM_PORT/"
    [nginx]="http://127.0.0.1:$REFERENCE_PORT/"
    [haproxy]="http://127.0.0.1:$HAPROXY_PORT/"
    [caddy]="http://127.0.0.1:$CADDY_PORT/"
    [jetty]="http://127.0.0.1:$JETTY_PORT/"
    [scg]="http://127.0.0.1:$SCG_PORT/"
)
declare -A LABEL=(
    [gateway]="Nexus gateway${COMPARE_HEAP:+ (-Xmx$GATEWAY_HEAP)}"
    [gateway-base]="Nexus gateway-base (${COMPARE_HEAP:+-Xmx$HEAP, }compare jar)"
    [direct]="direct to the upstream"
    [nginx]="nginx reverse proxy (reference)"
    [haproxy]="HAProxy (reference)"
    [caddy]="Caddy reverse_proxy (reference)"
    [jetty]="Jetty AsyncProxyServlet (baseline)"
    [scg]="Spring Cloud Gateway (baseline)"
)
for target in "${targets[@]}"; do
    [[ -z ${JVM_PID[$target]:-} ]] || continue # the JVMs answered 200 when they became ready
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

# Only the JVM being measured runs: the others are paused (their background JIT took ~20% of the
# shared core). A JVM is continued one second before its own run.
pause_jvms_except() { # target (or "" for none)
    local jvm
    ((PAUSE)) || return 0
    for jvm in "${!JVM_PID[@]}"; do
        if [[ $jvm != "$1" && ${JVM_STOPPED[$jvm]:-0} == 0 ]]; then
            kill -STOP "${JVM_PID[$jvm]}"
            JVM_STOPPED[$jvm]=1
        fi
    done
}
resume_jvm() { # target
    if [[ ${JVM_STOPPED[$1]:-0} == 1 ]]; then
        kill -CONT "${JVM_PID[$1]}"
        JVM_STOPPED[$1]=0
        sleep 1 # lets the JVM catch up on its timers before it is measured
    fi
}
resume_all_jvms() {
    local jvm
    for jvm in "${!JVM_PID[@]}"; do resume_jvm "$jvm"; done
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
run_wrk() { # target seconds connections
    local out line
    RUN=$((RUN + 1))
    out="$WORK/wrk-$RUN-$1-c$3.txt"
    pause_jvms_except "$1"
    if [[ -n ${JVM_PID[$1]:-} ]]; then resume_jvm "$1"; fi
    cpu_before=$(cpu_sample)
    # wrk ends by itself after -d; timeout is the backstop (a stuck connect) that bounds the run.
    "${PIN_LOAD[@]}" timeout -k 5 $(($2 + 30)) wrk -t"$WRK_THREADS" -c"$3" -d"$2s" --latency -s "$WORK/report.lua" "${URL[$1]}" >"$out" 2>&1 &
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
    if [[ -n ${JVM_PID[$1]:-} ]]; then
        kill -0 "${JVM_PID[$1]}" 2>/dev/null || die "$1 died during its run: $(tail -n 5 "$WORK/$1.log" 2>/dev/null)"
    fi
}

declare -A WARMUP_LOG=()
# Seconds the JIT of a JVM has compiled so far (jstat -compiler), empty without jstat.
jit_seconds() { # pid
    [[ -n $JSTAT ]] || return 0
    "$JSTAT" -compiler "$1" 2>/dev/null | awk 'NR == 2 { print $4 }'
}

# JIT warm-up on one core takes 60-120 s: slices until two in a row gain < 5% while the JIT
# compiled for under 5% of the slice (a plateau can be followed by another climb when C2
# finishes), or the maximum. Each JVM is warmed alone (the others paused), at the first
# connection count.
warm_up() { # target
    local elapsed=0 best="" calm=0 warmed=0 gain slices="" jit_before jit_after jit_busy
    log "warming up $1 in ${WARMUP_SLICE}s slices at ${CONNS[0]} connections (at most ${WARMUP_MAX}s)"
    while ((elapsed < WARMUP_MAX)); do
        jit_before=$(jit_seconds "${JVM_PID[$1]}")
        run_wrk "$1" "$WARMUP_SLICE" "${CONNS[0]}"
        jit_after=$(jit_seconds "${JVM_PID[$1]}")
        jit_busy=""
        if [[ -n $jit_before && -n $jit_after ]]; then
            jit_busy=$(awk -v a="$jit_after" -v b="$jit_before" -v s="$WARMUP_SLICE" 'BEGIN { printf "%.0f", (a - b) / s * 100 }')
        fi
        elapsed=$((elapsed + WARMUP_SLICE))
        gain=""
        # A slice "gains" when it beats the best slice so far; a dip (a GC, a noisy neighbour) is no gain.
        if [[ -n $best ]]; then
            gain=$(awk -v a="$R_RPS" -v b="$best" 'BEGIN { printf "%+.1f", (b > 0 ? (a - b) / b * 100 : 100) }')
            if awk -v g="$gain" -v j="${jit_busy:-0}" 'BEGIN { exit !(g < 5 && j < 5) }'; then calm=$((calm + 1)); else calm=0; fi
        fi
        log "  $1 warm-up ${elapsed}s: $(printf '%.0f' "$R_RPS") req/s${gain:+ (${gain}% on the best so far)}, p99 ${R_P99} ms, errors $R_ERR, other processes ${R_FOREIGN}% CPU${jit_busy:+, JIT compile time ${jit_busy}% of the slice (compiler threads summed)}"
        slices+="${slices:+, }$(printf '%.0f' "$R_RPS")"
        if [[ -z $best ]] || awk -v a="$R_RPS" -v b="$best" 'BEGIN { exit !(a > b) }'; then best=$R_RPS; fi
        if ((calm >= 2)); then
            warmed=1
            break
        fi
    done
    if ((warmed)); then
        WARMUP_LOG[$1]="${elapsed}s, levelled off (req/s per slice: $slices)"
    else
        log "WARNING: $1 still rising after ${elapsed}s of warm-up: it may be understated"
        WARMUP_LOG[$1]="${elapsed}s, hit the maximum before levelling off (req/s per slice: $slices)"
    fi
}

for target in "${targets[@]}"; do
    [[ -n ${JVM_PID[$target]:-} ]] || continue
    if ((SKIP_WARMUP)); then
        WARMUP_LOG[$target]="skipped"
    elif ((WARMUP_MAX > 0)); then
        warm_up "$target"
    else
        WARMUP_LOG[$target]="none (--warmup-max 0)"
    fi
done
((SKIP_WARMUP == 0)) || log "warm-up skipped: the JVMs are measured cold"
# The other targets only need their connections opened (nginx and HAProxy have no JIT).
for target in "${targets[@]}"; do
    [[ -n ${JVM_PID[$target]:-} ]] || run_wrk "$target" 2 "$MAX_CONNS"
done

# Memory and GC of each JVM over its measured runs: RSS (from /proc) after each run, and the
# collections and their time (jstat -gc, which reads the JVM's perf-data file and so works while it
# is paused) since its previous run; a paused JVM does not collect, so each delta is its own run's.
declare -A GC_LAST=() GC_YOUNG=() GC_YOUNG_S=() GC_FULL=() GC_FULL_S=() RSS_MAX=()
gc_counters() { # pid: "young-count young-seconds full-count full-seconds" (full: FGC + CGC)
    [[ -n $JSTAT ]] || return 0
    "${PIN_LOAD[@]}" "$JSTAT" -gc "$1" 2>/dev/null | awk 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
        NR == 2 { c = ("CGC" in col ? $col["CGC"] : 0); ct = ("CGCT" in col ? $col["CGCT"] : 0)
                  printf "%d %.3f %d %.3f", $col["YGC"], $col["YGCT"], $col["FGC"] + c, $col["FGCT"] + ct }'
}
rss_mb() { awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null; }
for target in "${!JVM_PID[@]}"; do GC_LAST[$target]=$(gc_counters "${JVM_PID[$target]}"); done
sample_jvm() { # target connections
    local key=$1/$2 now rss
    now=$(gc_counters "${JVM_PID[$1]}")
    if [[ -n $now && -n ${GC_LAST[$1]} ]]; then
        local -a d
        read -r -a d <<<"$(awk -v a="${GC_LAST[$1]}" -v b="$now" 'BEGIN { split(a, x, " "); split(b, y, " ")
            printf "%d %.3f %d %.3f", y[1] - x[1], y[2] - x[2], y[3] - x[3], y[4] - x[4] }')"
        GC_YOUNG[$key]=$((${GC_YOUNG[$key]:-0} + d[0])) GC_FULL[$key]=$((${GC_FULL[$key]:-0} + d[2]))
        GC_YOUNG_S[$key]=$(awk -v a="${GC_YOUNG_S[$key]:-0}" -v b="${d[1]}" 'BEGIN { printf "%.3f", a + b }')
        GC_FULL_S[$key]=$(awk -v a="${GC_FULL_S[$key]:-0}" -v b="${d[3]}" 'BEGIN { printf "%.3f", a + b }')
    fi
    GC_LAST[$1]=$now
    rss=$(rss_mb "${JVM_PID[$1]}")
    if [[ -n $rss ]] && ((rss > ${RSS_MAX[$key]:-0})); then RSS_MAX[$key]=$rss; fi
}

# Results per target and connection count, keyed "target/connections".
declare -A RPS P50 P99 ERR
FOREIGN=""
for conns in "${CONNS[@]}"; do
    for target in "${targets[@]}"; do
        RPS[$target/$conns]="" P50[$target/$conns]="" P99[$target/$conns]="" ERR[$target/$conns]=0
    done
done
# Interleaved: every round runs every connection count against every target. With a compare jar,
# gateway and gateway-base swap places every other round, so neither always goes first.
for ((round = 1; round <= ROUNDS; round++)); do
    round_targets=("${targets[@]}")
    if has_target gateway-base && ((round % 2 == 0)); then
        round_targets=(gateway-base gateway "${targets[@]:2}")
    fi
    for conns in "${CONNS[@]}"; do
        for target in "${round_targets[@]}"; do
            key=$target/$conns
            run_wrk "$target" "$DURATION" "$conns"
            [[ -z ${JVM_PID[$target]:-} ]] || sample_jvm "$target" "$conns"
            RPS[$key]+="$R_RPS " P50[$key]+="$R_P50 " P99[$key]+="$R_P99 "
            ERR[$key]=$((ERR[$key] + R_ERR))
            FOREIGN+="$R_FOREIGN "
            log "round $round/$ROUNDS c$conns $target: $(printf '%.0f' "$R_RPS") req/s, p50 $R_P50 ms, p99 $R_P99 ms, errors $R_ERR, other processes ${R_FOREIGN}% CPU"
        done
    done
done
resume_all_jvms

# ---------------------------------------------------------------- report

median() {
    tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
fmt_int() { # thousands separators without relying on the locale
    printf '%.0f' "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/;ta'
}
fmt_ms() { # latency: two decimals below 100 ms, whole ms above
    awk -v v="$1" 'BEGIN { if (v < 100) printf "%.2f ms", v; else printf "%.0f ms", v }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# Per-round ratios of two targets at one connection count (the rounds pair them in time).
round_ratios() { # target-a target-b connections
    local -a a b
    local i out=""
    read -r -a a <<<"${RPS[$1/$3]}"
    read -r -a b <<<"${RPS[$2/$3]}"
    for i in "${!a[@]}"; do out+="${out:+, }$(ratio "${a[$i]}" "${b[$i]:-0}")"; done
    echo "$out"
}

table="| target | connections | req/s (median) | p50 | p99 | errors | ratio to direct | ratio to gateway |"
table_rule="| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
if has_target gateway-base; then
    table+=" ratio to gateway-base |"
    table_rule+=" ---: |"
fi
table+=$'\n'"$table_rule"
declare -A MEDIAN
summary=""
for conns in "${CONNS[@]}"; do
    for target in "${targets[@]}"; do
        MEDIAN[$target/$conns]=$(median "${RPS[$target/$conns]}")
    done
    direct_rps=${MEDIAN[direct/$conns]}
    gateway_rps=${MEDIAN[gateway/$conns]}
    for target in gateway gateway-base jetty scg nginx haproxy caddy direct; do
        has_target "$target" || continue
        key=$target/$conns
        table+=$'\n'"| ${LABEL[$target]} | $conns | $(fmt_int "${MEDIAN[$key]}") | $(fmt_ms "$(median "${P50[$key]}")") | $(fmt_ms "$(median "${P99[$key]}")") | ${ERR[$key]} | $(ratio "${MEDIAN[$key]}" "$direct_rps") | $(ratio "${MEDIAN[$key]}" "$gateway_rps") |"
        if has_target gateway-base; then table+=" $(ratio "${MEDIAN[$key]}" "${MEDIAN[gateway-base/$conns]}") |"; fi
    done
    line="- c$conns:"
    if has_target gateway-base; then
        line+=" gateway / gateway-base **$(ratio "$gateway_rps" "${MEDIAN[gateway-base/$conns]}")** (per round: $(round_ratios gateway gateway-base "$conns"));"
    fi
    line+=" gateway / direct **$(ratio "$gateway_rps" "$direct_rps")**"
    for target in jetty scg nginx haproxy caddy; do
        has_target "$target" || continue
        line+="; gateway / $target **$(ratio "$gateway_rps" "${MEDIAN[$target/$conns]}")**"
    done
    summary+="$line"$'\n'
done

# wrk -v exits 1 after printing its version.
java_version=$({ "$JAVA" -version 2>&1 || true; } | awk 'NR == 1')
nginx_version=$({ "$NGINX" -v 2>&1 || true; } | sed 's/^nginx version: //')
haproxy_version=""
if has_target haproxy; then haproxy_version="; HAProxy $({ "$HAPROXY" -v 2>&1 || true; } | awk 'NR == 1 { print $3 }')"; fi
caddy_version=""
if has_target caddy; then caddy_version="; Caddy $({ "$CADDY" version 2>&1 || true; } | awk 'NR == 1 { print $1 }') (GOMAXPROCS=1)"; fi
wrk_version=$({ wrk -v 2>&1 || true; } | awk 'NR == 1 { print $2 }')
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
threads_mode=${VIRTUAL_THREADS:-default}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
foreign_median=$(median "$FOREIGN")
foreign_max=$(tr ' ' '\n' <<<"$FOREIGN" | grep . | sort -g | tail -n 1)
if ((foreign_max > 10)); then
    log "WARNING: other processes used up to ${foreign_max}% of a CPU during the measured runs: ratios may be off"
fi
warmups=""
for target in "${targets[@]}"; do
    [[ -z ${WARMUP_LOG[$target]:-} ]] || warmups+="${warmups:+; }$target ${WARMUP_LOG[$target]}"
done
gateway_names="gateway"
if has_target gateway-base; then gateway_names="gateway and gateway-base"; fi
jars="gateway jar \`$JAR\` (sha256 $(sha256sum "$JAR" | cut -c1-12))"
if has_target gateway-base; then
    jars+=", gateway-base jar \`$COMPARE_JAR\` (sha256 $(sha256sum "$COMPARE_JAR" | cut -c1-12))"
    if [[ -n $COMPARE_HEAP ]]; then
        cmp -s "$JAR" "$COMPARE_JAR" && jars+=": the same bytes as the gateway jar, only the heap differs"
    elif cmp -s "$JAR" "$COMPARE_JAR"; then
        jars+=": the same bytes as the gateway jar, an A/A run"
    fi
fi
# The JVMs' memory and collections over their measured runs.
jvm_table=""
jvm_flags=""
for target in gateway gateway-base jetty scg; do
    [[ -n ${JVM_PID[$target]:-} ]] || continue
    jvm_flags+="${jvm_flags:+; }${JVM_FLAGS[$target]}"
    peak=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/${JVM_PID[$target]}/status" 2>/dev/null || echo "?")
    for conns in "${CONNS[@]}"; do
        key=$target/$conns
        gc="- | - | - | - | -"
        if [[ -n ${GC_YOUNG[$key]:-} ]]; then
            gc="${GC_YOUNG[$key]} | $(awk -v s="${GC_YOUNG_S[$key]}" 'BEGIN { printf "%.0f ms", s * 1000 }') | ${GC_FULL[$key]} | $(awk -v s="${GC_FULL_S[$key]}" 'BEGIN { printf "%.0f ms", s * 1000 }')"
            gc+=" | $(awk -v y="${GC_YOUNG_S[$key]}" -v f="${GC_FULL_S[$key]}" -v t="$((ROUNDS * DURATION))" 'BEGIN { printf "%.1f%%", (y + f) / t * 100 }')"
        fi
        jvm_table+=$'\n'"| $target | ${JVM_HEAP[$target]} | $conns | ${RSS_MAX[$key]:-?} | $peak | $gc |"
    done
done
# With NMT=1: the gateways' committed memory by area, now, after all the runs (jcmd VM.native_memory).
nmt_table=""
if ((NMT)) && [[ -n $JCMD ]]; then
    declare -A NMT_MB=()
    nmt_areas=()
    nmt_jvms=()
    for target in gateway gateway-base; do
        [[ -n ${JVM_PID[$target]:-} ]] || continue
        nmt_jvms+=("$target")
        while IFS=$'\t' read -r area mb; do
            [[ -n ${NMT_MB[$area/gateway]+x} || -n ${NMT_MB[$area/gateway-base]+x} ]] || nmt_areas+=("$area")
            NMT_MB[$area/$target]=$mb
        done < <("$JCMD" "${JVM_PID[$target]}" VM.native_memory summary 2>/dev/null | awk '
            /^Total: / { if (match($0, /committed=[0-9]+KB/)) printf "Total (NMT)\t%.1f\n", substr($0, RSTART + 10, RLENGTH - 12) / 1024 }
            /^-  *[A-Za-z]/ && /committed=/ { line = $0; sub(/^- */, "", line); area = line; sub(/ *\(.*/, "", area)
                if (match(line, /committed=[0-9]+KB/)) printf "%s\t%.1f\n", area, substr(line, RSTART + 10, RLENGTH - 12) / 1024 }')
        NMT_MB["RSS now/$target"]=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/${JVM_PID[$target]}/status" 2>/dev/null || echo "?")
    done
    nmt_areas+=("RSS now")
    if ((${#nmt_jvms[@]} > 0)); then
        nmt_table=$'\n\n'"Native memory tracking (\`jcmd VM.native_memory summary\`, committed MB, after the last run; areas under 0.1 MB left out; RSS for comparison):"$'\n\n'"| area |"
        rule="| --- |"
        for target in "${nmt_jvms[@]}"; do nmt_table+=" $target (${JVM_HEAP[$target]}) |"; rule+=" ---: |"; done
        nmt_table+=$'\n'"$rule"
        for area in "${nmt_areas[@]}"; do
            row="| $area |" shown=0
            for target in "${nmt_jvms[@]}"; do
                row+=" ${NMT_MB[$area/$target]:--} |"
                awk -v v="${NMT_MB[$area/$target]:-0}" 'BEGIN { exit !(v >= 0.1) }' && shown=1
            done
            ((shown == 0)) || nmt_table+=$'\n'"$row"
        done
    fi
fi
if [[ -n $jvm_table ]]; then
    jvm_table="

JVMs over their measured runs (RSS after each run, largest; peak RSS of the whole run from VmHWM;
collections and their pause time summed over the rounds, from \`jstat -gc\`, full including concurrent
cycles; GC share of the measured seconds):

| JVM | heap | connections | RSS (MB) | peak RSS (MB) | young GCs | young GC time | full GCs | full GC time | GC share |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |$jvm_table"
fi
raw=""
for conns in "${CONNS[@]}"; do
    for target in "${targets[@]}"; do
        raw+="${raw:+, }$target c$conns [$(for v in ${RPS[$target/$conns]}; do printf '%.0f ' "$v"; done | sed 's/ $//')]"
    done
done

report="## Nexus load benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')

$table
$jvm_table$nmt_table

${summary}- Settings: $ROUNDS interleaved rounds x ${DURATION}s of \`wrk -t$WRK_THREADS -c{${CONNS[*]}} --latency\` per target, medians over rounds, errors summed (non-2xx + socket errors); GET / with a ${#BENCH_BODY}-byte upstream body. Ratios are between medians of the same connection count in this run.
- Warm-up (${WARMUP_SLICE}s slices, at most ${WARMUP_MAX}s, each JVM alone): ${warmups:-none}.
- Pinning: $pinning; every JVM \`${base_jvm_opts[*]}\`$([[ -z $COMPARE_HEAP ]] || echo " except the gateway's heap, \`-Xms$GATEWAY_HEAP -Xmx$GATEWAY_HEAP\`") (${gateway_names} extra: \`${extra_opts[*]:-none}\`), as read back from each running JVM: ${jvm_flags:-no JVM}; gateway virtual threads: $threads_mode; gateway's config extra: \`${GATEWAY_CONFIG_EXTRA:-none}\`; Jetty baseline: $JETTY_MODE; JVMs not being measured paused: $([[ $PAUSE == 1 ]] && echo yes || echo no); SCHED_IDLE busy loops: $([[ $BUSY == 1 ]] && echo yes || echo no); priority: $priority_mode.
- CPU used by other processes during the measured runs (percent of one CPU): median $foreign_median, max $foreign_max (high values: the machine was shared during the run, so trust its ratios less).
- Versions: commit $commit; $jars; $java_version; nginx $nginx_version$haproxy_version$caddy_version; wrk $wrk_version; $(uname -sr); $cpus CPUs ($cpu_model).
- Raw req/s per round: $raw."

echo "$report"
if mkdir -p "$RESULTS_DIR" 2>/dev/null; then
    echo "$report" >"$RESULTS_DIR/$stamp.md"
    log "saved to $RESULTS_DIR/$stamp.md"
else
    log "WARNING: could not create $RESULTS_DIR: results not saved"
fi
