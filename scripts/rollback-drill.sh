#!/usr/bin/env bash
# The config rollback drill, for real on one machine: start the gateway, apply a bad config
# version that makes requests fail, detect it from /metrics, roll back through the admin API,
# verify recovery, and print a timed report. Exits non-zero when any step fails.
# Usage: scripts/rollback-drill.sh        (bounded: gives up after DRILL_TIMEOUT seconds, default 120)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/require.sh
require curl curl
require jq jq

TIMEOUT=${DRILL_TIMEOUT:-120}
# Random: a token someone could guess opens the admin API of the drill's gateway.
TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
source scripts/drill-lib.sh
demo_port=$(free_port)

config() { # $1: extra route settings (the bad part of version 2)
  cat <<CONF
nexus {
  server { host = "127.0.0.1", port = 0, shutdown.drain-delay = 0s }
  admin { host = "127.0.0.1", port = 0, token = "$TOKEN" }
  config { watch = true, poll-interval = 200ms }
  demo { enabled = true, port = $demo_port }
  upstreams { echo { targets = ["http://127.0.0.1:$demo_port"] } }
  routes = [
    { name = "echo", path = "/echo", upstream = "echo", strip-prefix = true $1 }
  ]
}
CONF
}

config "" > "$work/gateway.conf"
start_gateway
# The header goes to curl on stdin (-K -), never on its command line, where ps would show it.
api() { printf 'header = "Authorization: Bearer %s"\n' "$TOKEN" | curl -s -K - "$@"; }
errors() { # 5xx answers of the echo route so far
  curl -s "http://127.0.0.1:$admin_port/metrics" \
    | awk '/^nexus_requests_total\{/ && /route="echo"/ && /code="5/ { sum += $NF } END { printf "%d\n", sum }'
}
echo "Gateway up on :$public_port (admin :$admin_port) after $(elapsed) ms"

# Steady traffic, bounded by the drill's deadline, status codes logged one per line.
(
  while (( $(date +%s) < deadline )); do
    curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$public_port/echo/drill" >> "$work/status.log" || echo 000 >> "$work/status.log"
    sleep 0.05
  done
) &
pids+=($!)
until [[ -s "$work/status.log" ]]; do check_deadline "first requests"; sleep 0.1; done
good_version=$(api "http://127.0.0.1:$admin_port/api/v1/config" | jq -r .id)
echo "Serving on config version $good_version"

# The bad change: a valid config that fails every request, as a broken deploy would.
bad_at=$(elapsed)
config ", fault { abort-status = 503, abort-percent = 100 }" > "$work/gateway.conf.tmp"
mv "$work/gateway.conf.tmp" "$work/gateway.conf"
baseline=$(errors)
until (( $(errors) > baseline + 5 )); do check_deadline "detecting the failure"; sleep 0.2; done
detected_at=$(elapsed)
bad_version=$(api "http://127.0.0.1:$admin_port/api/v1/config" | jq -r .id)
echo "Detected failing requests from /metrics on version $bad_version, $(( detected_at - bad_at )) ms after the change"

rollback=$(api -X POST "http://127.0.0.1:$admin_port/api/v1/config/rollback?to=$good_version")
rolled_at=$(elapsed)
new_version=$(jq -r .version.id <<<"$rollback")
[[ $(jq -r .version.source <<<"$rollback") == rollback && $(jq -r .version.restored_from <<<"$rollback") == "$good_version" ]] \
  || { echo "drill: unexpected rollback answer: $rollback" >&2; exit 1; }
echo "Rolled back: version $new_version restores version $good_version"

# Recovery: 20 requests in a row succeed after the rollback (some in flight at the rollback may fail).
lines=$(wc -l < "$work/status.log")
until [[ $(tail -n +"$((lines + 1))" "$work/status.log" | tail -n 20 | grep -c '^200$' || true) -eq 20 ]]; do
  check_deadline "recovery"
  sleep 0.1
done
recovered_at=$(elapsed)
failed=$(grep -vc '^200$' "$work/status.log" || true)
total=$(wc -l < "$work/status.log")

cat <<REPORT

Rollback drill report
| step | ms since start |
| --- | ---: |
| bad config written | $bad_at |
| failure detected from /metrics | $detected_at |
| rollback applied (admin API) | $rolled_at |
| 20 good requests in a row | $recovered_at |

Time to detect: $(( detected_at - bad_at )) ms; to roll back after detection: $(( rolled_at - detected_at )) ms;
to recover after the bad change: $(( recovered_at - bad_at )) ms. Requests sent: $total, failed: $failed.
Versions: good $good_version, bad $bad_version, restored as $new_version.
REPORT
