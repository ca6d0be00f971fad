#!/usr/bin/env bash
# Issue 18's "one target killed" drill: wrk at c64 through the gateway to two nginx targets; one
# target is killed with SIGKILL (the way a pod is terminated) and restarted mid-run. Reports the
# requests, the non-2xx answers by status and the socket errors, once with the gateway's default
# retries and once with them switched off (retries.attempts = 1, the behaviour before), in one
# run so that the two compare on the same machine. Usage: bench/target-kill.sh --help
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

usage() {
    cat <<'EOF'
Usage: bench/target-kill.sh [options]

Options (each also settable through the environment variable in brackets):
  -d, --duration SECONDS     length of each wrk run, 10-120 [DURATION, default 30]
  -c, --connections N        wrk connections, 1-1024 [CONNECTIONS, default 64]
      --kill-at SECONDS      when the first target is killed, into the run [KILL_AT, default 10]
      --down SECONDS         how long it stays dead before it is started again [DOWN, default 5]
      --modes LIST           default (retries as shipped) and/or off (retries.attempts = 1),
                             comma-separated, run in this order [MODES, default default,off]
  -h, --help                 this text

Other environment variables:
  JAR                  gateway jar [gateway-launcher/target/nexus-gateway.jar, built if missing]
  JAVA_HOME            Java 21+
  GATEWAY_JAVA_OPTS    extra JVM options, after -XX:ActiveProcessorCount=1 -Xms512m -Xmx512m
  LOAD_CPU, PROXY_CPU  cores for wrk + targets and for the gateway [0, 1]
  GATEWAY_PORT, ADMIN_PORT, TARGET_PORTS   [38080, 39090, "38081 38082"]

Each target is one nginx process (master_process off): SIGKILL to its pid is the whole target,
and the kernel resets its connections with whatever requests were on them. Before each measured
run the gateway is warmed up for 10 s on both targets.
EOF
}

die() {
    echo "target-kill.sh: $*" >&2
    exit 1
}

log() {
    echo "[$(date +%H:%M:%S)] $*" >&2
}

DURATION=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-64}
KILL_AT=${KILL_AT:-10}
DOWN=${DOWN:-5}
MODES=${MODES:-default,off}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-}
LOAD_CPU=${LOAD_CPU:-0}
PROXY_CPU=${PROXY_CPU:-1}
GATEWAY_PORT=${GATEWAY_PORT:-38080}
ADMIN_PORT=${ADMIN_PORT:-39090}
read -r -a TARGET_PORTS <<<"${TARGET_PORTS:-38081 38082}"
JAR=${JAR:-$ROOT/gateway-launcher/target/nexus-gateway.jar}

while (($# > 0)); do
    case $1 in
        -d | --duration) DURATION=${2:?$1 needs a value}; shift ;;
        -c | --connections) CONNECTIONS=${2:?$1 needs a value}; shift ;;
        --kill-at) KILL_AT=${2:?$1 needs a value}; shift ;;
        --down) DOWN=${2:?$1 needs a value}; shift ;;
        --modes) MODES=${2:?$1 needs a value}; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
    shift
done

check_int duration "$DURATION" 10 120
check_int connections "$CONNECTIONS" 1 1024
check_int kill-at "$KILL_AT" 1 $((DURATION - 2))
check_int down "$DOWN" 0 $((DURATION - KILL_AT - 1))
((${#TARGET_PORTS[@]} == 2)) || die "TARGET_PORTS needs two ports"
for port in "$GATEWAY_PORT" "$ADMIN_PORT" "${TARGET_PORTS[@]}"; do check_int port "$port" 1024 65535; done
IFS=, read -r -a modes <<<"$MODES"
for mode in "${modes[@]}"; do
    case $mode in default | off) ;; *) die "unknown mode '$mode' (default, off)" ;; esac
done

# ---------------------------------------------------------------- prerequisites

for tool in wrk taskset; do command -v "$tool" >/dev/null || die "$tool is missing (Debian: apt-get install -y wrk util-linux)"; done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || die "nginx is missing (Debian: apt-get install -y nginx)"
# The JDK the project builds and runs with (the default java may be older than the jar's 21).
JAVA_HOME=$("$ROOT/scripts/java-home.sh") || die "no JDK found: set JAVA_HOME"
export JAVA_HOME
JAVA=$JAVA_HOME/bin/java
if [[ ! -f $JAR ]]; then
    command -v mvn >/dev/null || die "$JAR is missing and Maven is not installed"
    log "building $JAR (mvn -B -q -DskipTests package)"
    (cd "$ROOT" && mvn -B -q -DskipTests package) >&2
    [[ -f $JAR ]] || die "the build did not produce $JAR"
fi

pin_cpus "$LOAD_CPU" "$PROXY_CPU"

require_free_ports "$GATEWAY_PORT" "$ADMIN_PORT" "${TARGET_PORTS[@]}"

# ---------------------------------------------------------------- cleanup

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nexus-target-kill.XXXXXX")
STARTED=()
stop_started() {
    local pid live=()
    for pid in "${STARTED[@]}"; do ours "$pid" && live+=("$pid"); done
    for pid in "${live[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        local alive=0
        for pid in "${live[@]}"; do ours "$pid" && alive=1; done
        ((alive)) || break
        sleep 0.5
    done
    for pid in "${live[@]}"; do ours "$pid" && kill -KILL "$pid" 2>/dev/null; done
    wait 2>/dev/null || true
    STARTED=()
}
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop_started
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

BUDGET=$(((DURATION + 10 + 30) * ${#modes[@]}))
log "at most ~${BUDGET}s: per mode a 10s warm-up and a ${DURATION}s run at c$CONNECTIONS, target 1 killed at ${KILL_AT}s for ${DOWN}s"

# ---------------------------------------------------------------- targets and gateway

# One nginx process per target (no master: SIGKILL to the pid kills the whole target).
write_target() { # index
    write_upstream_conf "$WORK/target$1" "${TARGET_PORTS[$1]}"
    sed -i '1i master_process off;' "$WORK/target$1/nginx.conf"
}
TARGET_PID=()
start_target() { # index
    "${PIN_LOAD[@]}" "$NGINX" -p "$WORK/target$1" -e "$WORK/target$1/error.log" -c "$WORK/target$1/nginx.conf" \
        >>"$WORK/target$1/stdout.log" 2>&1 &
    TARGET_PID[$1]=$!
    STARTED+=("$!")
    for ((i = 0; ; i++)); do
        [[ $(http_status "${TARGET_PORTS[$1]}" / || true) == 200 ]] && break
        ((i < 100)) || die "target $1 was not ready after 10 s: $(tail -n 3 "$WORK/target$1/error.log" 2>/dev/null)"
        sleep 0.1
    done
}

start_gateway() { # mode
    local retries=""
    [[ $1 == off ]] && retries=", retries.attempts = 1"
    cat >"$WORK/gateway.conf" <<EOF
nexus {
  server { host = "127.0.0.1", port = $GATEWAY_PORT, shutdown { drain-delay = 0s, timeout = 5s } }
  admin { port = $ADMIN_PORT }
  upstreams { bench { targets = ["http://127.0.0.1:${TARGET_PORTS[0]}", "http://127.0.0.1:${TARGET_PORTS[1]}"] $retries } }
  routes = [ { name = "bench", path = "/", upstream = "bench" } ]
}
EOF
    local jvm_opts=(-XX:ActiveProcessorCount=1 -Xms512m -Xmx512m)
    if [[ -n $GATEWAY_JAVA_OPTS ]]; then
        read -r -a extra_opts <<<"$GATEWAY_JAVA_OPTS"
        jvm_opts+=("${extra_opts[@]}")
    fi
    NEXUS_LAST_KNOWN_GOOD="$WORK/last-known-good.conf" "${PIN_PROXY[@]}" env -u NEXUS_PORT -u NEXUS_CONFIG \
        "$JAVA" "${jvm_opts[@]}" -jar "$JAR" --config "$WORK/gateway.conf" >"$WORK/gateway.log" 2>&1 &
    GATEWAY_PID=$!
    STARTED+=("$GATEWAY_PID")
    for ((i = 0; ; i++)); do
        # kill -0 also succeeds for a zombie: read its state.
        [[ $(awk '{ print $3 }' "/proc/$GATEWAY_PID/stat" 2>/dev/null) =~ ^[RSD]$ ]] ||
            die "the gateway exited during start-up: $(grep -v '^WARNING' "$WORK/gateway.log" | tail -n 3)"
        [[ $(http_status "$ADMIN_PORT" /readyz || true) == 200 ]] && break
        ((i < 600)) || die "the gateway was not ready after 60 s"
        sleep 0.1
    done
}

write_status_lua "$WORK/status.lua"
write_target 0
write_target 1

# Prints "requests N non2xx N (STATUS:N ...) socket_errors N" for one status_load output.
summarize() { # file
    awk '$1 == "status" { total += $3; if ($2 < 200 || $2 > 299) { bad += $3; detail = detail " " $2 ":" $3 } }
         $1 == "socket_errors" { errors = $2 }
         END { printf "requests %d non2xx %d%s socket_errors %d\n", total, bad, (detail == "" ? "" : " (" substr(detail, 2) ")"), errors }' "$1"
}

declare -A RESULT
for mode in "${modes[@]}"; do
    start_target 0
    start_target 1
    start_gateway "$mode"
    log "$mode: warm-up 10s"
    status_load "$WORK/status.lua" "$CONNECTIONS" 10 "http://127.0.0.1:$GATEWAY_PORT/" "$WORK/warmup-$mode.out"
    log "$mode: ${DURATION}s at c$CONNECTIONS; target 1 (pid ${TARGET_PID[0]}) killed at ${KILL_AT}s, back ${DOWN}s later"
    status_load "$WORK/status.lua" "$CONNECTIONS" "$DURATION" "http://127.0.0.1:$GATEWAY_PORT/" "$WORK/run-$mode.out" &
    load=$!
    sleep "$KILL_AT"
    kill -KILL "${TARGET_PID[0]}"
    wait "${TARGET_PID[0]}" 2>/dev/null || true
    sleep "$DOWN"
    start_target 0
    wait "$load"
    RESULT[$mode]=$(summarize "$WORK/run-$mode.out")
    log "$mode: ${RESULT[$mode]}"
    grep -c '"retry_cause"' "$WORK/gateway.log" >"$WORK/retried-$mode" || true
    stop_started
    # The next mode starts on the same ports: wait until nothing of this one answers there.
    for port in "$GATEWAY_PORT" "$ADMIN_PORT" "${TARGET_PORTS[@]}"; do
        for ((i = 0; i < 100; i++)); do port_in_use "$port" || break; sleep 0.1; done
        ! port_in_use "$port" || die "port $port is still in use after the $mode run"
    done
done

echo "target-kill: c$CONNECTIONS for ${DURATION}s through the gateway to two nginx targets, one SIGKILLed at ${KILL_AT}s and restarted ${DOWN}s later"
for mode in "${modes[@]}"; do
    label=$([[ $mode == default ]] && echo "retries as shipped" || echo "retries.attempts = 1 (before)")
    echo "  $label: ${RESULT[$mode]}, retried requests in the access log $(cat "$WORK/retried-$mode")"
done
