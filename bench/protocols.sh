#!/usr/bin/env bash
# HTTP/2 and gRPC throughput (issue 15), short runs. Two measurements, each printed as requests
# per second and the ratio:
#   h2c:  h2load (prior-knowledge HTTP/2, C connections x M streams) through Nexus's public port
#         (server.http2-cleartext) vs through nginx (listen ... http2, one worker), both proxying
#         to the same nginx upstream over HTTP/1.1; each proxy pinned to core 1 (Nexus with
#         -XX:ActiveProcessorCount=1), h2load and the upstream on core 0.
#   gRPC: unary calls (test.Echo/Unary, a 2-byte message) sent by h2load as gRPC frames to a
#         grpc-java server (GrpcEchoServer from the launcher's test classes, core 0) directly vs
#         through Nexus (route to an upstream with protocol = h2c, core 1).
# Usage: [DURATION=10] [C=16] [M=10] [VIRTUAL_THREADS=true] bench/protocols.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib.sh"
source "$ROOT/scripts/require.sh"
require nginx nginx
require h2load nghttp2-client
SECONDS_PER_RUN=${DURATION:-10}
C=${C:-16}
M=${M:-10}
VIRTUAL_THREADS=${VIRTUAL_THREADS:-true}
JAVA_HOME=$("$ROOT/scripts/java-home.sh")
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
JAR=${JAR:-$ROOT/gateway-launcher/target/nexus-gateway.jar}
TEST_CLASSES="$ROOT/gateway-launcher/target/test-classes"
[[ -f $JAR && -d $TEST_CLASSES ]] || (cd "$ROOT" && require mvn maven && mvn -B -ntp -q -DskipTests package -pl gateway-webapp,gateway-launcher)

UPSTREAM_PORT=28581 NGINX_PORT=28582 NEXUS_PORT=28583 ADMIN_PORT=28584 GRPC_PORT=28585
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nexus-protocols.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_port() { # port
  for _ in $(seq 1 300); do port_in_use "$1" && return 0; sleep 0.1; done
  echo "$(basename "$0"): nothing listens on $1" >&2; exit 1
}
rps() { # h2load output: requests per second, and fails unless every request succeeded
  awk '/^finished in/ { gsub(",", "", $4); r = $4 } /^requests:/ { ok = ($2 == $8 && $9 == "succeeded,") ; if ($8 != $2) bad = 1 }
       /^status codes:/ { if ($3 + 0 != $8 + 0 && $5 + 0 > 0) bad = 1 }
       END { if (bad || r == "") exit 1; printf "%d", r }' "$1"
}

write_upstream_conf "$WORK/upstream" "$UPSTREAM_PORT"
taskset -c 0 nginx -c "$WORK/upstream/nginx.conf" -e "$WORK/upstream/error.log" >"$WORK/upstream.log" 2>&1 &
pids+=($!)
write_nginx_conf "$WORK/proxy" "    upstream backend { server 127.0.0.1:$UPSTREAM_PORT; keepalive 64; }
    server {
        listen 127.0.0.1:$NGINX_PORT http2;
        http2_max_concurrent_streams 128;
        location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
    }"
taskset -c 1 nginx -c "$WORK/proxy/nginx.conf" -e "$WORK/proxy/error.log" >"$WORK/nginx.log" 2>&1 &
pids+=($!)
cat >"$WORK/gateway.conf" <<CONF
nexus {
  server { host = "127.0.0.1", port = $NEXUS_PORT, virtual-threads = $VIRTUAL_THREADS, shutdown { drain-delay = 0s, timeout = 5s } }
  admin { port = $ADMIN_PORT }
  config.watch = false
  observability.access-log.sample-ratio = 0
  upstreams {
    bench { targets = ["http://127.0.0.1:$UPSTREAM_PORT"] }
    grpc { targets = ["http://127.0.0.1:$GRPC_PORT"], protocol = h2c }
  }
  routes = [
    { name = "grpc", path = "/test.Echo/", upstream = "grpc" }
    { name = "bench", path = "/", upstream = "bench" }
  ]
}
CONF
# The gRPC server's classpath: the launcher's test classes and grpc-java at the parent pom's version.
GRPC_VERSION=$(sed -n 's:.*<grpc.version>\(.*\)</grpc.version>.*:\1:p' "$ROOT/pom.xml")
cat >"$WORK/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>bench</groupId><artifactId>grpc-classpath</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.grpc</groupId><artifactId>grpc-netty-shaded</artifactId><version>$GRPC_VERSION</version></dependency>
    <dependency><groupId>io.grpc</groupId><artifactId>grpc-stub</artifactId><version>$GRPC_VERSION</version></dependency>
  </dependencies>
</project>
POM
mvn -B -ntp -q -f "$WORK/pom.xml" dependency:build-classpath -Dmdep.outputFile="$WORK/grpc.classpath" >/dev/null 2>&1
CP=$(cat "$WORK/grpc.classpath")
taskset -c 0 "$JAVA" -Xmx256m -XX:ActiveProcessorCount=1 -cp "$TEST_CLASSES:$CP" io.nexus.launcher.GrpcEchoServer "$GRPC_PORT" >"$WORK/grpc.log" 2>&1 &
pids+=($!)
taskset -c 1 "$JAVA" -Xms512m -Xmx512m -XX:ActiveProcessorCount=1 -jar "$JAR" --config "$WORK/gateway.conf" >"$WORK/nexus.log" 2>&1 &
pids+=($!)
for port in $UPSTREAM_PORT $NGINX_PORT $NEXUS_PORT $GRPC_PORT; do wait_port "$port"; done

printf '\x00\x00\x00\x00\x02hi' >"$WORK/grpc-message"
GRPC_ARGS=(-d "$WORK/grpc-message" -H 'content-type: application/grpc' -H 'te: trailers')
run() { # name url [h2load args...]: a warm-up, then the measured run
  local name=$1 url=$2
  shift 2
  timeout 60 taskset -c 0 h2load -t 1 -c "$C" -m "$M" -D 3 "$@" "$url" >/dev/null 2>&1 || true
  timeout $((SECONDS_PER_RUN + 30)) taskset -c 0 h2load -t 1 -c "$C" -m "$M" -D "$SECONDS_PER_RUN" "$@" "$url" >"$WORK/$name.out" 2>&1
  rps "$WORK/$name.out" || { echo "$(basename "$0"): $name: not every request succeeded:" >&2; cat "$WORK/$name.out" >&2; exit 1; }
}
echo "h2load -t 1 -c $C -m $M -D $SECONDS_PER_RUN (after a 3 s warm-up), $(nproc) cores, one core per proxy"
nginx_rps=$(run nginx "http://127.0.0.1:$NGINX_PORT/")
nexus_rps=$(run nexus "http://127.0.0.1:$NEXUS_PORT/")
printf 'h2c requests/s   nginx %8d   nexus %8d   nexus/nginx %.2f\n' "$nginx_rps" "$nexus_rps" "$(awk -v a="$nexus_rps" -v b="$nginx_rps" 'BEGIN { print a / b }')"
direct_rps=$(run grpc-direct "http://127.0.0.1:$GRPC_PORT/test.Echo/Unary" "${GRPC_ARGS[@]}")
through_rps=$(run grpc-nexus "http://127.0.0.1:$NEXUS_PORT/test.Echo/Unary" "${GRPC_ARGS[@]}")
printf 'gRPC unary/s     direct %7d   nexus %8d   nexus/direct %.2f\n' "$direct_rps" "$through_rps" "$(awk -v a="$through_rps" -v b="$direct_rps" 'BEGIN { print a / b }')"
