# shellcheck shell=bash
# Shared by bench/run.sh, bench/soak.sh and bench/profile.sh (sourced, not run): the upstream
# they all load, the gateway config they all measure, and small loopback helpers.

# The upstream's answer: a ~100-byte JSON body.
BENCH_BODY='{"service":"nexus-bench-upstream","status":"ok","padding":"0123456789abcdefghijklmnopqrstuvwxyz+-*/=."}'

# An nginx config of one worker in dir, with its own pid, logs and temp paths, keep-alive
# connections that are never closed during a run, and the given server (and upstream) blocks.
# NGINX_WORKER_CONNECTIONS (default 4096) bounds its open connections.
write_nginx_conf() { # dir blocks
    mkdir -p "$1/tmp"
    cat >"$1/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections ${NGINX_WORKER_CONNECTIONS:-4096}; }
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
NGINX
}

# The upstream: answers every request with 200 and BENCH_BODY.
write_upstream_conf() { # dir port
    write_nginx_conf "$1" "    server {
        listen 127.0.0.1:$2;
        location / {
            default_type application/json;
            return 200 '$BENCH_BODY';
        }
    }"
}

# The gateway under test: its default chain plus a rate-limit check that never refuses (what
# issue 8 measures), one route to the upstream. virtual-threads only when given.
write_gateway_conf() { # file port admin-port upstream-port [virtual-threads] [extra HOCON inside nexus {}]
    {
        echo "nexus {"
        echo "  server {"
        echo "    host = \"127.0.0.1\", port = $2, max-concurrent-requests = 10000"
        [[ -n ${5:-} ]] && echo "    virtual-threads = $5"
        echo "    shutdown { drain-delay = 0s, timeout = 5s }"
        echo "  }"
        echo "  admin { port = $3 }"
        echo "  upstreams { bench { targets = [\"http://127.0.0.1:$4\"] } }"
        echo "  routes = [ { name = \"bench\", path = \"/\", upstream = \"bench\", rate-limit { requests = 1000000000, window = 1s, key = client-ip } } ]"
        [[ -n ${6:-} ]] && echo "  $6"
        echo "}"
    } >"$1"
}

port_in_use() { # port
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

http_status() { # port path: prints the status code of a GET, fails if none
    (
        exec 3<>"/dev/tcp/127.0.0.1/$1"
        printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
        IFS=' ' read -r -t 5 _ code _ <&3
        echo "$code"
    ) 2>/dev/null
}

# wrk with a Lua script that counts responses by status (wrk's own summary only says "non-2xx")
# and prints "status CODE N", "duration_us", "socket_errors" and "p99_ms" lines; bench/lib/wrk_status.py
# reads them. One thread on LOAD_CPU, a timeout backstop.
write_status_lua() { # file
    cat >"$1" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
counts = {}
function response(status, headers, body) counts[status] = (counts[status] or 0) + 1 end
function done(summary, latency, requests)
    for _, thread in ipairs(threads) do
        for status, n in pairs(thread:get("counts")) do io.write(string.format("status %d %d\n", status, n)) end
    end
    io.write(string.format("duration_us %d\n", summary.duration))
    io.write(string.format("socket_errors %d\n", summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
    io.write(string.format("p99_ms %.1f\n", latency:percentile(99) / 1000))
end
LUA
}

status_load() { # lua connections seconds url out
    timeout $(($3 + 30)) taskset -c "$LOAD_CPU" wrk -t1 -c"$2" -d"$3s" --timeout 5s -s "$1" "$4" >"$5" 2>&1 || true
}

# Fails the script (its own die) unless value is an integer in min..max.
check_int() { # name value min max
    if ! [[ $2 =~ ^[0-9]+$ ]] || (($2 < $3 || $2 > $4)); then
        die "$1 must be an integer in $3..$4, got '$2'"
    fi
}

# Whether a pid is still a child of this script (a reused pid is never signalled).
ours() { # pid
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ $(cut -d' ' -f2 <<<"$stat") == "$$" ]]
}

# Fails the script (its own die) when one of the ports on 127.0.0.1 is taken.
require_free_ports() { # port...
    local port
    for port in "$@"; do
        ! port_in_use "$port" || die "port $port on 127.0.0.1 is already in use: free it or set the *_PORT variables"
    done
}

# PIN_LOAD and PIN_PROXY: taskset prefixes for the load (wrk, upstream) and the proxy under test,
# each on a CPU of its own; empty, with a warning (the script's own log), when that cannot be.
pin_cpus() { # load-cpu proxy-cpu
    PIN_LOAD=(taskset -c "$1")
    PIN_PROXY=(taskset -c "$2")
    if ! "${PIN_LOAD[@]}" true 2>/dev/null || ! "${PIN_PROXY[@]}" true 2>/dev/null || [[ $1 == "$2" ]]; then
        log "WARNING: cannot pin to CPUs $1 and $2: running unpinned"
        PIN_LOAD=() PIN_PROXY=()
    fi
}
