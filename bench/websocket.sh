#!/usr/bin/env bash
# WebSocket through the gateway vs direct (issue 15): echo round trips per second (SOCKETS sockets,
# each sending a 64-byte text as soon as the echo of its last is back) and open sockets per GiB of
# heap (HOLD sockets opened, each with one echo answered; the growth of used heap after a full GC
# of the JVM that holds them: the gateway, which holds two sessions per socket, or, direct, the
# echo upstream). The upstream is the tests' Jetty WebSocket echo server; the load client is Jetty's
# WebSocket client (benchmarks module). The gateway and the upstream run like a 1-CPU container:
# -XX:ActiveProcessorCount=1 -Xms512m -Xmx512m; the client has no limit.
#
# Usage: [SOCKETS=50] [WARMUP=5] [DURATION=15] [HOLD=2000] bench/websocket.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib.sh"
JAVA_HOME=$("$ROOT/scripts/java-home.sh")
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
JCMD="$JAVA_HOME/bin/jcmd"
SOCKETS=${SOCKETS:-50} WARMUP=${WARMUP:-5} DURATION=${DURATION:-15} HOLD=${HOLD:-2000}
JVM=(-XX:ActiveProcessorCount=1 -Xms512m -Xmx512m)
WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

(cd "$ROOT" && mvn -B -ntp -q -pl gateway-webapp,gateway-launcher,benchmarks package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile=target/classpath.txt)
CP="$ROOT/benchmarks/target/classes:$(cat "$ROOT/benchmarks/target/classpath.txt")"
JAR="$ROOT/gateway-launcher/target/nexus-gateway.jar"

"$JAVA" "${JVM[@]}" -cp "$CP" io.nexus.benchmarks.WebSocketEchoMain >"$WORK/upstream.out" 2>"$WORK/upstream.log" &
UPSTREAM_PID=$!
PIDS+=("$UPSTREAM_PID")
timeout 30 bash -c "until grep -q '^URL ' '$WORK/upstream.out'; do sleep 0.2; done"
UPSTREAM_URL=$(sed -n 's/^URL //p' "$WORK/upstream.out")
UPSTREAM_PORT=${UPSTREAM_URL##*:}

GATEWAY_PORT=18480 ADMIN_PORT=18481
cat >"$WORK/nexus.conf" <<CONF
nexus {
  server { host = "127.0.0.1", port = $GATEWAY_PORT, max-concurrent-requests = 10000, shutdown { drain-delay = 0s, timeout = 5s } }
  admin { port = $ADMIN_PORT }
  upstreams { echo { targets = ["$UPSTREAM_URL"] } }
  routes = [ { name = "ws", path = "/", upstream = "echo", websocket = true, websocket-idle-timeout = 10m } ]
}
CONF
"$JAVA" "${JVM[@]}" -jar "$JAR" --config "$WORK/nexus.conf" >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
PIDS+=("$GATEWAY_PID")
timeout 30 bash -c "until [[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$ADMIN_PORT/readyz) == 200 ]]; do sleep 0.3; done"

heap_kib() { # used heap after a full GC
  "$JCMD" "$1" GC.run >/dev/null 2>&1
  "$JCMD" "$1" GC.heap_info 2>/dev/null | grep -o 'used [0-9]*K' | head -2 | tr -dc '0-9\n' | paste -sd+ | bc
}
load() { timeout 300 "$JAVA" -cp "$CP" io.nexus.benchmarks.WebSocketLoad "$@"; }

rtt() { load rtt "$1" "$SOCKETS" "$WARMUP" "$DURATION" | sed -n 's/^ROUND_TRIPS_PER_SECOND //p'; }
direct_rtt=$(rtt "ws://127.0.0.1:$UPSTREAM_PORT/")
gateway_rtt=$(rtt "ws://127.0.0.1:$GATEWAY_PORT/")

per_gib() { # holder-pid uri: sockets per GiB of the holder's heap, and bytes per socket
  local before after open
  before=$(heap_kib "$1")
  load hold "$2" "$HOLD" 30 >"$WORK/hold.out" &
  local client=$!
  timeout 120 bash -c "until grep -q '^OPEN ' '$WORK/hold.out' || ! kill -0 $client 2>/dev/null; do sleep 0.3; done"
  open=$(sed -n 's/^OPEN //p' "$WORK/hold.out")
  after=$(heap_kib "$1")
  kill "$client" 2>/dev/null || true
  wait "$client" 2>/dev/null || true
  local per=$(( (after - before) * 1024 / open ))
  echo "$open $per $(( 1073741824 / per ))"
}
read -r direct_open direct_bytes direct_per_gib < <(per_gib "$UPSTREAM_PID" "ws://127.0.0.1:$UPSTREAM_PORT/")
sleep 2
read -r gateway_open gateway_bytes gateway_per_gib < <(per_gib "$GATEWAY_PID" "ws://127.0.0.1:$GATEWAY_PORT/")

printf '| path | echo round trips/s (%d sockets) | sockets held | heap per socket | sockets per GiB of heap |\n| --- | ---: | ---: | ---: | ---: |\n' "$SOCKETS"
printf '| direct (Jetty WebSocket echo) | %s | %s | %s B | %s |\n' "$direct_rtt" "$direct_open" "$direct_bytes" "$direct_per_gib"
printf '| through Nexus | %s | %s | %s B | %s |\n' "$gateway_rtt" "$gateway_open" "$gateway_bytes" "$gateway_per_gib"
awk -v g="$gateway_rtt" -v d="$direct_rtt" -v gs="$gateway_per_gib" -v ds="$direct_per_gib" \
  'BEGIN { printf "Nexus/direct: round trips %.2f, sockets per GiB %.2f\n", g / d, gs / ds }'
grep -E 'WARN|ERROR' "$WORK/gateway.log" | head -5 || true
