#!/usr/bin/env bash
# Memory per kept-alive connection (issue 23): N client connections, each used for two requests
# with a browser's header fields (bench/lib/keepalive_clients.py), against Nexus (with
# header-cache-size 0, the default, and 1024, Jetty's default; and over TLS), the stock Jetty proxy baseline and
# nginx as a proxy, each in front of the same nginx upstream. Prints, per target: requests
# answered 200 in each round, and the growth of heap (after a full GC; JVMs) and RSS per
# connection while all N stay open. Every JVM: -XX:ActiveProcessorCount=1 -Xms512m -Xmx512m
# (HEAP to change). Bounded: each target gets at most 180 s.
#
# Usage: [HEAP=512m] [TARGETS="nexus-cache-0 nexus-cache-1024 nexus-tls jetty nginx"] bench/connections.sh [N ...]
#        (N default: 1000 5000; stay under this machine's 20,000 open files per process)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib.sh"
source "$ROOT/scripts/require.sh"
require nginx nginx
require python3 python3
JAVA_HOME=$("$ROOT/scripts/java-home.sh")
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
JCMD="$JAVA_HOME/bin/jcmd"
HEAP=${HEAP:-512m}
COUNTS=("${@:-1000 5000}")
read -r -a COUNTS <<<"${COUNTS[*]}"
JAR="$ROOT/gateway-launcher/target/nexus-gateway.jar"
JETTY_JAR="$ROOT/bench/baselines/jetty-proxy/target/jetty-proxy-baseline.jar"
[[ -f $JAR ]] || (cd "$ROOT" && require mvn maven && mvn -B -ntp -q -DskipTests package -pl gateway-launcher -am)
[[ -f $JETTY_JAR ]] || (require mvn maven && mvn -B -ntp -q -DskipTests -f "$ROOT/bench/baselines/jetty-proxy/pom.xml" package)

UPSTREAM_PORT=28481 PROXY_PORT=28480 ADMIN_PORT=28490
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nexus-connections.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
write_upstream_conf "$WORK/upstream" "$UPSTREAM_PORT"
nginx -c "$WORK/upstream/nginx.conf" -e "$WORK/upstream/error.log" > "$WORK/upstream.log" 2>&1 &
pids+=($!)
write_nginx_conf "$WORK/proxy" "    upstream backend { server 127.0.0.1:$UPSTREAM_PORT; keepalive 64; }
    server {
        listen 127.0.0.1:$PROXY_PORT;
        location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
    }"
sed -i 's/worker_connections 4096/worker_connections 30000/' "$WORK/proxy/nginx.conf"

nexus_conf() { # header-cache-size [tls]: with tls, TLS on PROXY_PORT and plain HTTP on a port nobody uses
  local port=$PROXY_PORT tls=""
  if [[ -n ${2:-} ]]; then
    port=0
    tls="tls { enabled = true, port = $PROXY_PORT, certificates = [{ name = \"bench\", certificate = \"$WORK/tls.crt\", private-key = \"$WORK/tls.key\" }] }"
  fi
  cat <<CONF
nexus {
  server { host = "127.0.0.1", port = $port, max-connections = 20000, header-cache-size = $1, shutdown { drain-delay = 0s, timeout = 5s }
           $tls }
  admin { host = "127.0.0.1", port = $ADMIN_PORT }
  upstreams { bench { targets = ["http://127.0.0.1:$UPSTREAM_PORT"] } }
  routes = [ { name = "bench", path = "/", upstream = "bench" } ]
  observability.access-log.enabled = false
}
CONF
}

start_target() { # name: starts it on PROXY_PORT, prints its pid
  local jvm=(-XX:ActiveProcessorCount=1 "-Xms$HEAP" "-Xmx$HEAP" -XX:+ExitOnOutOfMemoryError)
  case $1 in
    nexus-tls)     nexus_conf 0 tls > "$WORK/nexus.conf"
                   "$JAVA" "${jvm[@]}" -jar "$JAR" --config "$WORK/nexus.conf" > "$WORK/$1.log" 2>&1 & ;;
    nexus-cache-*) nexus_conf "${1#nexus-cache-}" > "$WORK/nexus.conf"
                   "$JAVA" "${jvm[@]}" -jar "$JAR" --config "$WORK/nexus.conf" > "$WORK/$1.log" 2>&1 & ;;
    jetty)         "$JAVA" "${jvm[@]}" -jar "$JETTY_JAR" "$PROXY_PORT" "http://127.0.0.1:$UPSTREAM_PORT" > "$WORK/$1.log" 2>&1 & ;;
    nginx)         rm -f "$WORK/proxy/nginx.pid"; nginx -c "$WORK/proxy/nginx.conf" -e "$WORK/proxy/error.log" > "$WORK/$1.log" 2>&1 & ;;
  esac
  echo $!
}

ready() { # target: answers 200 on PROXY_PORT
  if [[ $1 == nexus-tls ]]; then
    [[ $(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PROXY_PORT/warm") == 200 ]]
  else
    [[ $(http_status "$PROXY_PORT" /warm) == 200 ]]
  fi
}

# The process that holds the connections: nginx's worker, else the JVM itself.
holder() {
  if [[ -s $WORK/proxy/nginx.pid ]] && kill -0 "$(cat "$WORK/proxy/nginx.pid")" 2>/dev/null; then
    pgrep -P "$(cat "$WORK/proxy/nginx.pid")" -f "nginx: worker" | head -n 1
  else
    echo "$1"
  fi
}
rss_kib() { awk '/VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
heap_kib() { # used heap after a full GC; empty for a non-JVM (jcmd's attach would SIGQUIT it)
  [[ $(cat "/proc/$1/comm" 2>/dev/null) == java ]] || return 0
  "$JCMD" "$1" GC.run >/dev/null 2>&1 || return 0
  "$JCMD" "$1" GC.heap_info 2>/dev/null | grep -o 'used [0-9]*K' | head -2 | tr -dc '0-9\n' | paste -sd+ | bc
}

printf '| target | connections | round 1: 200s | round 2: 200s | heap per connection | RSS per connection |\n| --- | ---: | ---: | ---: | ---: | ---: |\n'
TARGETS=${TARGETS:-nexus-cache-0 nexus-cache-1024 nexus-tls jetty nginx}
for n in "${COUNTS[@]}"; do
  for target in $TARGETS; do
    pid=$(start_target "$target")
    pids+=("$pid")
    deadline=$(( $(date +%s) + 30 ))
    until ready "$target"; do
      (( $(date +%s) < deadline )) || { echo "$target did not start: $(tail -3 "$WORK/$target.log" 2>/dev/null)" >&2; exit 1; }
      sleep 0.2
    done
    held=$(holder "$pid")
    heap0=$(heap_kib "$held") rss0=$(rss_kib "$held")
    rm -f "$WORK/in"; mkfifo "$WORK/in"
    python3 "$ROOT/bench/lib/keepalive_clients.py" "$PROXY_PORT" "$n" /items $([[ $target == nexus-tls ]] && echo --tls) < "$WORK/in" > "$WORK/client.out" 2>&1 &
    client=$!
    exec 7>"$WORK/in"
    timeout 180 bash -c "until grep -q READY '$WORK/client.out' || ! kill -0 $client 2>/dev/null; do sleep 0.5; done" || true
    summary=$(head -n 1 "$WORK/client.out")
    round1=$(sed -n 's/.*round 1: \([0-9]*\) x 200.*/\1/p' <<<"$summary")
    round2=$(sed -n 's/.*round 2: \([0-9]*\) x 200.*/\1/p' <<<"$summary")
    held=$(holder "$pid")
    if kill -0 "$held" 2>/dev/null; then
      heap1=$(heap_kib "$held") rss1=$(rss_kib "$held")
      heap_per=${heap0:+$(( (heap1 - heap0) * 1024 / n )) B}
      rss_per="$(( (rss1 - rss0) * 1024 / n )) B"
    else
      heap_per="died ($(grep -m 1 -o 'OutOfMemoryError[^"]*' "$WORK/$target.log" || echo exited))" rss_per="-"
    fi
    printf '| %s | %d | %s | %s | %s | %s |\n' "$target" "$n" "${round1:-0}" "${round2:-0}" "${heap_per:--}" "$rss_per"
    exec 7>&-
    kill "$client" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    [[ $target != nginx ]] || { kill "$(cat "$WORK/proxy/nginx.pid")" 2>/dev/null || true; rm -f "$WORK/proxy/nginx.pid"; }
    while port_in_use "$PROXY_PORT"; do sleep 0.2; done
  done
done
