#!/usr/bin/env bash
# Memory per kept-alive connection (issue 23): N client connections kept open against each target,
# each target in front of the same nginx upstream. Prints, per target: how many connections were
# open when measured, the requests answered 200, and the growth of heap (after a full GC; JVMs)
# and RSS per connection while all N stay open, and its OS threads idle and while holding them
# (a thread per connection would add N); under the table, the targets' log warnings.
#
# Targets: nexus-cache-0 and nexus-cache-1024 (Nexus with header-cache-size 0, the default, and
# 1024, Jetty's default), nexus-tls (HTTP/1.1 over TLS), jetty (the stock Jetty proxy baseline),
# nginx and haproxy (one worker / one thread): their N clients come from bench/lib/keepalive_clients.py,
# each connection used for two requests with a browser's header fields. nexus-h2 (HTTP/2 over TLS,
# h2 by ALPN): h2load opens the N connections at H2_CONNECT_RATE per second, each sending one
# request with the same fields every 1/H2_RPS s; the memory is read while all N are open and in use.
# Every JVM: -XX:ActiveProcessorCount=1 -Xms512m -Xmx512m (HEAP to change). Bounded: the Python
# client gets at most 180 s, h2load its planned run plus 45 s (at 15,000 connections 240 s).
#
# Usage: [HEAP=512m] [TARGETS="nexus-cache-0 nexus-cache-1024 nexus-tls nexus-h2 jetty nginx haproxy"]
#        [H2_RPS=0.2] [H2_CONNECT_RATE=200] bench/connections.sh [N ...]
#        (N default: 1000 5000; stay under this machine's 20,000 open files per process)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib.sh"
source "$ROOT/scripts/require.sh"
TARGETS=${TARGETS:-nexus-cache-0 nexus-cache-1024 nexus-tls nexus-h2 jetty nginx haproxy}
for target in $TARGETS; do
  case $target in
    nexus-cache-[0-9]* | nexus-tls | nexus-h2 | jetty | nginx | haproxy) ;;
    *) echo "$(basename "$0"): unknown target '$target' (known: nexus-cache-N nexus-tls nexus-h2 jetty nginx haproxy)" >&2; exit 2 ;;
  esac
done
wants() { [[ " $TARGETS " == *" $1 "* ]]; }
require nginx nginx
require python3 python3
require ss iproute2
wants nexus-h2 && require h2load nghttp2-client
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
if wants haproxy && [[ ! -x $HAPROXY ]]; then require haproxy haproxy; HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy); fi
JAVA_HOME=$("$ROOT/scripts/java-home.sh")
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
JCMD="$JAVA_HOME/bin/jcmd"
HEAP=${HEAP:-512m}
H2_RPS=${H2_RPS:-0.2}
H2_CONNECT_RATE=${H2_CONNECT_RATE:-200}
[[ $H2_CONNECT_RATE =~ ^[1-9][0-9]*$ ]] || { echo "$(basename "$0"): H2_CONNECT_RATE must be a positive integer (connections per second), not '$H2_CONNECT_RATE'" >&2; exit 2; }
if ! [[ $H2_RPS =~ ^[0-9]*\.?[0-9]+$ ]] || ! awk -v r="$H2_RPS" 'BEGIN { exit !(r >= 0.05 && r <= 10) }'; then
  echo "$(basename "$0"): H2_RPS must be between 0.05 and 10 requests per second, not '$H2_RPS'" >&2; exit 2
fi
COUNTS=("${@:-1000 5000}")
read -r -a COUNTS <<<"${COUNTS[*]}"
JAR=${JAR:-$ROOT/gateway-launcher/target/nexus-gateway.jar}
JETTY_JAR="$ROOT/bench/baselines/jetty-proxy/target/jetty-proxy-baseline.jar"
[[ -f $JAR ]] || (cd "$ROOT" && require mvn maven && mvn -B -ntp -q -DskipTests package -pl gateway-launcher -am)
[[ -f $JETTY_JAR ]] || (require mvn maven && mvn -B -ntp -q -DskipTests -f "$ROOT/bench/baselines/jetty-proxy/pom.xml" package)

# A client connection is a file descriptor in the client (one process for all N) and in the
# proxy: lift the soft limit to the hard one, and beyond it where root may.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
for n in "${COUNTS[@]}"; do
  (( n + 100 <= $(ulimit -n) )) || echo "$(basename "$0"): warning: $n connections need more than the $(ulimit -n) open files allowed" >&2
done

UPSTREAM_PORT=28481 PROXY_PORT=28480 ADMIN_PORT=28490
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nexus-connections.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# A copy: a rebuild of the jar during the run changes nothing.
cp "$JAR" "$WORK/nexus-gateway.jar"
JAR="$WORK/nexus-gateway.jar"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
write_upstream_conf "$WORK/upstream" "$UPSTREAM_PORT"
nginx -c "$WORK/upstream/nginx.conf" -e "$WORK/upstream/error.log" > "$WORK/upstream.log" 2>&1 &
pids+=($!)
write_nginx_conf "$WORK/proxy" "    upstream backend { server 127.0.0.1:$UPSTREAM_PORT; keepalive 64; }
    server {
        listen 127.0.0.1:$PROXY_PORT;
        location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
    }"
sed -i "s/worker_connections 4096/worker_connections $(ulimit -n)/" "$WORK/proxy/nginx.conf"
# HAProxy like run.sh's (one thread, keep-alive both ways, idle upstream connections shared), but
# room for 30,000 clients and timeouts that let idle clients stay for the whole measurement.
# HAProxy reserves two file descriptors per connection (client and server side) and by default
# refuses to start when the open-file limit is below that (60,014 for maxconn 30000; 20,000 here):
# "no strict-limits" makes that a warning. An idle client holds one descriptor, only the
# requests in flight hold a second, so N idle clients fit a limit a little above N.
cat > "$WORK/haproxy.cfg" <<CFG
global
    nbthread 1
    maxconn 30000
    no strict-limits
defaults
    mode http
    maxconn 30000
    option http-keep-alive
    http-reuse always
    timeout connect 5s
    timeout client 5m
    timeout server 5m
    timeout http-keep-alive 5m
frontend bench
    bind 127.0.0.1:$PROXY_PORT
    default_backend upstream
backend upstream
    server up 127.0.0.1:$UPSTREAM_PORT
CFG

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
    nexus-tls | nexus-h2) # the same gateway and TLS connector: the client picks h2 or http/1.1 by ALPN
                   nexus_conf 0 tls > "$WORK/nexus.conf"
                   "$JAVA" "${jvm[@]}" -jar "$JAR" --config "$WORK/nexus.conf" > "$WORK/$1.log" 2>&1 & ;;
    nexus-cache-*) nexus_conf "${1#nexus-cache-}" > "$WORK/nexus.conf"
                   "$JAVA" "${jvm[@]}" -jar "$JAR" --config "$WORK/nexus.conf" > "$WORK/$1.log" 2>&1 & ;;
    jetty)         "$JAVA" "${jvm[@]}" -jar "$JETTY_JAR" "$PROXY_PORT" "http://127.0.0.1:$UPSTREAM_PORT" > "$WORK/$1.log" 2>&1 & ;;
    nginx)         rm -f "$WORK/proxy/nginx.pid"; nginx -c "$WORK/proxy/nginx.conf" -e "$WORK/proxy/error.log" > "$WORK/$1.log" 2>&1 & ;;
    haproxy)       "$HAPROXY" -db -f "$WORK/haproxy.cfg" > "$WORK/$1.log" 2>&1 & ;;
  esac
  echo $!
}

ready() { # target: answers 200 on PROXY_PORT
  if [[ $1 == nexus-tls || $1 == nexus-h2 ]]; then
    [[ $(curl -sk -m 5 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PROXY_PORT/warm") == 200 ]]
  else
    [[ $(http_status "$PROXY_PORT" /warm) == 200 ]]
  fi
}

# The process that holds the connections: nginx's worker, else the process itself (the JVM,
# HAProxy in the foreground).
holder() {
  if [[ -s $WORK/proxy/nginx.pid ]] && kill -0 "$(cat "$WORK/proxy/nginx.pid")" 2>/dev/null; then
    pgrep -P "$(cat "$WORK/proxy/nginx.pid")" -f "nginx: worker" | head -n 1
  else
    echo "$1"
  fi
}
rss_kib() { awk '/VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# The holder's OS threads: a server with a thread per connection grows by N.
threads_of() { awk '/^Threads:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo "?"; }
heap_kib() { # used heap after a full GC; empty for a non-JVM (jcmd's attach would SIGQUIT it)
  [[ $(cat "/proc/$1/comm" 2>/dev/null) == java ]] || return 0
  "$JCMD" "$1" GC.run >/dev/null 2>&1 || return 0
  "$JCMD" "$1" GC.heap_info 2>/dev/null | grep -o 'used [0-9]*K' | head -2 | tr -dc '0-9\n' | paste -sd+ | bc
}
# Client connections the kernel holds established on the proxy's port (the proxy's side of each).
established() { ss -Htn state established "( sport = :$PROXY_PORT )" 2>/dev/null | wc -l; }
# Connections the kernel dropped because a listener's accept queue was full (all listeners).
listen_drops() {
  awk '/^TcpExt:/ { if (!seen) { for (i = 2; i <= NF; i++) name[i] = $i; seen = 1 }
                    else { for (i = 2; i <= NF; i++) if (name[i] == "ListenDrops") print $i } }' /proc/net/netstat 2>/dev/null || echo 0
}

NOTES=() TIMES=()
note() { NOTES+=("- $*"); }
scan_log() { # label file pattern: one note with the count and the commonest lines
  local count
  count=$(grep -c -E "$3" "$2" 2>/dev/null || true)
  ((${count:-0} > 0)) || return 0
  note "$1: $count log lines matching $3, e.g.: $(grep -E "$3" "$2" | sed -e 's/.*"message":"\([^"]*\)".*/\1/' -e 's/^\[[A-Z]*\] ([0-9]*) : //' | cut -c1-200 | sort | uniq -c | sort -rn | head -n 3 | sed 's/^ *//' | paste -sd';' -)"
}

# nexus-h2's client: h2load opens the N connections at H2_CONNECT_RATE per second, a few every 10
# ms (all at once, or 50 every 100 ms, overflow the gateway's accept queue of 50, Jetty's default,
# and a connection whose handshake the kernel dropped can hang), each sends one request with the
# keepalive_clients.py header fields (so the HPACK tables hold what a browser's would) on
# connecting and then one every 1/H2_RPS s, and closes after its last: as many requests each as
# keep the first connection open until 45 s after the last should have opened; one that sees
# nothing for 30 s (a handshake the gateway never took up) is given up. h2load has no way to hold
# connections until told, so the memory is read meanwhile: as soon as all N are open (the kernel's
# and the gateway's count) and in use (the gateway answered at least 90% of N requests within the
# last 1/H2_RPS s), at the latest 8 s before the first connection's last request. Sets open,
# answered and the memory like the other targets.
h2_client() { # n pid
  local n=$1 pid=$2 per_period each hold start window total0 total1 active=0 metric="?" h2load_pid
  per_period=$(( (H2_CONNECT_RATE + 99) / 100 ))
  # Requests per connection: the first connection's stay, (each - 1) / H2_RPS s, covers the
  # opening of all N (N / H2_CONNECT_RATE s) and 45 s more (connections whose SYN the kernel
  # dropped come back after 1, 3, 7, 15 s).
  each=$(awk -v n="$n" -v c="$H2_CONNECT_RATE" -v r="$H2_RPS" 'BEGIN { x = r * (n / c + 45); printf "%d", (x == int(x) ? x : int(x) + 1) + 1 }')
  hold=$(awk -v e="$each" -v r="$H2_RPS" 'BEGIN { printf "%d", (e - 1) / r }')
  window=$(awk -v r="$H2_RPS" 'BEGIN { printf "%.1f", 1 / r }')
  start=$(date +%s)
  timeout $(( n / H2_CONNECT_RATE + hold + 45 )) h2load -c "$n" -r "$per_period" --rate-period 10ms -n $(( n * each )) \
    -t 1 -m 1 --rps "$H2_RPS" -N 30s \
    -H 'user-agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36' \
    -H 'accept: application/json, text/plain, */*' -H 'accept-language: en-US,en;q=0.9,de;q=0.8' \
    -H 'accept-encoding: gzip, deflate, br' -H 'cookie: session=4f2c9a8e1b7d6c5a3e2f1a0b9c8d7e6f; theme=dark; locale=en_US' \
    -H 'authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjbGllbnQtezB9In0.c2lnbmF0dXJl' \
    -H 'x-client-version: 4.12.7' -H 'referer: https://app.example.com/dashboard/7' \
    "https://127.0.0.1:$PROXY_PORT/items" > "$WORK/client.out" 2>&1 &
  h2load_pid=$!
  pids+=("$h2load_pid")
  in_time() { kill -0 "$h2load_pid" 2>/dev/null && (( $(date +%s) < start + hold - 8 )); }
  while in_time; do
    metric=$(gateway_metrics | awk '/^nexus_open_connections\{/ { s += $NF } END { printf "%d", s }')
    if (( $(established) >= n && ${metric:-0} >= n )); then break; fi
    sleep 1
  done
  local open_after=$(( $(date +%s) - start ))
  while in_time; do
    total0=$(gateway_metrics | awk '/^nexus_requests_total\{/ { s += $NF } END { printf "%d", s }')
    sleep "$window"
    total1=$(gateway_metrics | awk '/^nexus_requests_total\{/ { s += $NF } END { printf "%d", s }')
    active=$(( total1 - total0 ))
    if (( active * 100 >= n * 90 )); then break; fi
  done
  local measured_at=$(( $(date +%s) - start ))
  open=$(established)
  if kill -0 "$pid" 2>/dev/null; then
    metric=$(gateway_metrics | awk '/^nexus_open_connections\{/ { s += $NF } END { printf "%d", s }')
    measure_after "$pid"
  fi
  wait "$h2load_pid" 2>/dev/null || true
  local proto requests codes ok total
  proto=$(sed -n 's/^Application protocol: //p' "$WORK/client.out" | head -n 1)
  requests=$(sed -n 's/^requests: //p' "$WORK/client.out" | head -n 1)
  codes=$(sed -n 's/^status codes: //p' "$WORK/client.out" | head -n 1)
  ok=$(sed -n 's/^\([0-9]*\) 2xx.*/\1/p' <<<"$codes") total=$(sed -n 's/^\([0-9]*\) total.*/\1/p' <<<"$requests")
  answered="${ok:-0} of ${total:-0} (h2load)"
  [[ $proto == h2 ]] || answered="$answered, protocol ${proto:-none}!"
  [[ -n $requests ]] || note "nexus-h2 N=$n: h2load printed no summary; its last lines: $(tail -n 5 "$WORK/client.out" | cut -c1-200 | paste -sd'|' -)"
  note "nexus-h2 N=$n: h2load ran $(( $(date +%s) - start )) s, $each requests per connection; all open after ${open_after} s, measured at" \
    "${measured_at} s (then the gateway's nexus_open_connections $metric, its requests in the last ${window} s $active);" \
    "Application protocol: ${proto:-none}; requests: ${requests:-none}; status codes: ${codes:-none}" \
    "$(grep -v -E '^(requests|status codes):' "$WORK/client.out" | grep -m 1 -iE 'error|fail|could not' | sed 's/^/; h2load said: /' || true)"
}
gateway_metrics() { curl -s -m 5 "http://127.0.0.1:$ADMIN_PORT/metrics" || true; }
# The gateway's answers other than 200 and its rejections, from its metrics; empty if none.
gateway_trouble() {
  gateway_metrics | awk '
    /^nexus_requests_total\{/ && $NF > 0 { if (match($0, /code="[^"]*"/)) code[substr($0, RSTART + 6, RLENGTH - 7)] += $NF }
    /^nexus_(rejected_requests|upstream_errors)_total\{/ && $NF > 0 { sub(/^nexus_/, ""); sub(/_total/, ""); other = other "; " $1 " " $NF + 0 }
    END { for (c in code) if (c != "200") bad = bad ", " code[c] " x " c
          if (bad != "" || other != "") { all = ""; for (c in code) all = all ", " code[c] " x " c; print substr(all, 3) other } }'
}

# After the clients: heap (JVMs) and RSS of the holder against the idle readings, per connection
# open at that moment (N unless some never got in).
measure_after() { # holder
  local heap1 rss1 per=$n
  (( open <= 0 || open >= n )) || per=$open
  heap1=$(heap_kib "$1") rss1=$(rss_kib "$1")
  heap_per=${heap0:+$(( (heap1 - heap0) * 1024 / per )) B}
  rss_per="$(( (rss1 - rss0) * 1024 / per )) B"
  threads="$threads0 -> $(threads_of "$1")"
}

printf '| target | connections | open when measured | requests answered 200 | heap per connection | RSS per connection | OS threads idle -> held |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for n in "${COUNTS[@]}"; do
  for target in $TARGETS; do
    target_start=$(date +%s)
    pid=$(start_target "$target")
    pids+=("$pid")
    deadline=$(( $(date +%s) + 30 ))
    until ready "$target"; do
      (( $(date +%s) < deadline )) || break
      sleep 0.2
    done
    if ! ready "$target"; then
      printf '| %s | %d | - | - | did not start | - | - |\n' "$target" "$n"
      note "$target N=$n: did not start: $(tail -n 3 "$WORK/$target.log" 2>/dev/null | cut -c1-200 | paste -sd'|' -)"
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      continue
    fi
    held=$(holder "$pid")
    heap0=$(heap_kib "$held") rss0=$(rss_kib "$held") threads0=$(threads_of "$held")
    drops0=$(listen_drops)
    heap_per="" rss_per="-" threads="-" open=0 answered=0
    if [[ $target == nexus-h2 ]]; then
      h2_client "$n" "$pid"
    else
      rm -f "$WORK/in"; mkfifo "$WORK/in"
      tls_arg=(); [[ $target != nexus-tls ]] || tls_arg=(--tls)
      python3 "$ROOT/bench/lib/keepalive_clients.py" "$PROXY_PORT" "$n" /items "${tls_arg[@]}" < "$WORK/in" > "$WORK/client.out" 2>&1 &
      client=$!
      pids+=("$client")
      exec 7>"$WORK/in"
      timeout 180 bash -c "until grep -q READY '$WORK/client.out' || ! kill -0 $client 2>/dev/null; do sleep 0.5; done" || true
      summary=$(head -n 1 "$WORK/client.out")
      round1=$(sed -n 's/.*round 1: \([0-9]*\) x 200.*/\1/p' <<<"$summary")
      round2=$(sed -n 's/.*round 2: \([0-9]*\) x 200.*/\1/p' <<<"$summary")
      answered="${round1:-0} + ${round2:-0}"
      [[ ${round1:-0} == "$n" && ${round2:-0} == "$n" ]] || note "$target N=$n: client: ${summary:-no summary}"
      open=$(established)
      held=$(holder "$pid")
      kill -0 "$held" 2>/dev/null && measure_after "$held"
      exec 7>&-
      kill "$client" 2>/dev/null || true
    fi
    if ! kill -0 "$held" 2>/dev/null; then
      heap_per="died ($(grep -m 1 -o 'OutOfMemoryError[^"]*' "$WORK/$target.log" || echo exited))" rss_per="-" threads="-"
    fi
    printf '| %s | %d | %d | %s | %s | %s | %s |\n' "$target" "$n" "$open" "$answered" "${heap_per:--}" "$rss_per" "$threads"
    if [[ $target == nexus-* ]] && kill -0 "$pid" 2>/dev/null; then
      trouble=$(gateway_trouble)
      [[ -z $trouble ]] || note "$target N=$n: the gateway answered $trouble"
    fi
    drops=$(( $(listen_drops) - drops0 ))
    (( drops == 0 )) || note "$target N=$n: the kernel dropped $drops connection attempts on a full accept queue (ListenDrops)"
    kill "$pid" 2>/dev/null || true
    # Not a child of this shell (started in a command substitution): wait for it by polling.
    for _ in {1..100}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$WORK/proxy/nginx.pid"
    while port_in_use "$PROXY_PORT"; do sleep 0.2; done
    case $target in
      nginx)   scan_log "nginx N=$n" "$WORK/proxy/error.log" '\[(warn|error|crit|alert|emerg)\]' ;;
      haproxy) scan_log "haproxy N=$n" "$WORK/$target.log" '\[(WARNING|ALERT)\]' ;;
      *)       scan_log "$target N=$n" "$WORK/$target.log" '"level":"(WARN|ERROR)"|OutOfMemoryError|Exception in thread' ;;
    esac
    TIMES+=("$target N=$n $(( $(date +%s) - target_start )) s")
  done
done
note "Time per target: $(printf '%s, ' "${TIMES[@]}" | sed 's/, $//'); all: $SECONDS s."
printf '\n'
printf '%s\n' "${NOTES[@]}"
