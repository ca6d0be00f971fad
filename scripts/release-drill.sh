#!/usr/bin/env bash
# The release rollback drill, on one machine: the pipeline's own scripts (scripts/ci/deploy.sh,
# scripts/ci/verify.sh, scripts/auto-rollback.sh) deploy a bad image tag and must roll it back
# without a person. A real gateway plays the release and a real Prometheus scrapes it; `helm` and
# `kubectl` are recording stand-ins: helm "deploys" an image tag by giving the gateway the config
# that tag would run (a tag starting with "bad" fails 30 % of requests) and rolls back by restoring
# the previous one; kubectl port-forward hands out the gateway's ports. Prints a timed report and
# exits non-zero when a step fails. Bounded: gives up after DRILL_TIMEOUT seconds (default 180).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/require.sh
require curl curl
require jq jq
require prometheus prometheus

TIMEOUT=${DRILL_TIMEOUT:-180}
source scripts/drill-lib.sh
demo_port=$(free_port)

release_config() { # $1: the echo route's extra settings in this release (the smoke test asks /ping)
  cat <<CONF
nexus {
  server { host = "127.0.0.1", port = 0, shutdown.drain-delay = 0s }
  admin { host = "127.0.0.1", port = 0 }
  config { watch = true, poll-interval = 200ms }
  demo { enabled = true, port = $demo_port }
  upstreams { echo { targets = ["http://127.0.0.1:$demo_port"], circuit-breaker.enabled = false } }
  routes = [
    { name = "echo", path = "/echo", upstream = "echo", strip-prefix = true $1 }
    { name = "ping", path = "/ping", upstream = "echo", strip-prefix = true }
  ]
}
CONF
}
release_config "" > "$work/good.conf"
release_config ", fault { abort-status = 503, abort-percent = 30 }" > "$work/bad.conf"
cp "$work/good.conf" "$work/gateway.conf"

start_gateway
echo "Release (good) up on :$public_port (admin :$admin_port) after $(elapsed) ms"

# The stand-ins. helm applies a release's config the way a rollout would replace the pods.
mkdir -p "$work/bin"
cat > "$work/bin/helm" <<HELM
#!/bin/sh
echo "helm \$*" >> "$work/helm.log"
case "\$*" in
  *"upgrade --install"*image.tag=bad*) cp "$work/bad.conf" "$work/next.conf" ;;
  *"upgrade --install"*) cp "$work/good.conf" "$work/next.conf" ;;
  rollback*) cp "$work/good.conf" "$work/next.conf" ;;
  *) exit 0 ;;
esac
mv "$work/next.conf" "$work/gateway.conf"
HELM
cat > "$work/bin/kubectl" <<KUBECTL
#!/bin/sh
echo "kubectl \$*" >> "$work/kubectl.log"
if [ "\$1" = port-forward ]; then
  case "\$4" in *-admin) port=$admin_port ;; *) port=$public_port ;; esac
  echo "Forwarding from 127.0.0.1:\$port -> \${5#:}"
  exec sleep 600
fi
KUBECTL
chmod +x "$work/bin/helm" "$work/bin/kubectl"

# A real Prometheus scraping the release every second.
prometheus_port=$(free_port)
cat > "$work/prometheus.yml" <<PROM
global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: nexus-release-drill
    static_configs: [ { targets: ["127.0.0.1:$admin_port"] } ]
PROM
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prometheus_port" --log.level=warn > "$work/prometheus.log" 2>&1 &
pids+=($!)

# Steady traffic, bounded by the drill's deadline.
(
  while (( $(date +%s) < deadline )); do
    curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$public_port/echo/drill" >> "$work/status.log" || echo 000 >> "$work/status.log"
    sleep 0.02
  done
) &
pids+=($!)

export PATH="$work/bin:$PATH"
export PROMETHEUS_URL="http://127.0.0.1:$prometheus_port"
export METRICS_SELECTOR='job="nexus-release-drill"'
# Shallow on purpose: the bad release passes it, and only the watch can catch it.
export SMOKE_PATHS="/ping/smoke"
rate_query="sum(rate(nexus_requests_total{$METRICS_SELECTOR}[30s]))"
until [[ -n $(curl -sf --get "$PROMETHEUS_URL/api/v1/query" --data-urlencode "query=$rate_query" | jq -r '.data.result[0].value[1] // empty' 2>/dev/null) ]]; do
  check_deadline "Prometheus scraping the release"
  sleep 0.5
done
echo "Prometheus scrapes the release after $(elapsed) ms"

# The pipeline after the image stage: deploy, smoke test, watch.
# The version label, wherever the client puts it among the labels (sha256 is the other).
config_version() { curl -s "http://127.0.0.1:$admin_port/metrics" | sed -n 's/^nexus_config_version_info{.*version="\([^"]*\)".*/\1/p'; }
good_version=$(config_version)
deploy_at=$(elapsed)
TAG="bad-$(date +%s)" scripts/ci/deploy.sh
until [[ $(config_version) != "$good_version" ]]; do check_deadline "the bad release taking over"; sleep 0.2; done
scripts/ci/verify.sh
smoke_at=$(elapsed)
set +e
WATCH_SECONDS=60 CHECK_INTERVAL=1 WINDOW=30s VERIFY_SECONDS=40 MAX_QUERY_FAILURES=10 \
  scripts/auto-rollback.sh 2> >(tee "$work/watch.log" >&2)
outcome=$?
set -e
done_at=$(elapsed)
sleep 0.2 # let tee finish the log
[[ $outcome -eq 2 ]] || { echo "drill: auto-rollback.sh ended with $outcome, expected 2 (rolled back and verified)" >&2; exit 1; }
grep -q "^helm rollback nexus-gateway 0 " "$work/helm.log" || { echo "drill: helm rollback was not called" >&2; exit 1; }
cmp -s "$work/gateway.conf" "$work/good.conf" || { echo "drill: the good release is not back" >&2; exit 1; }
detected=$(sed -n 's/^\[\([0-9:]*\)\] .*: rolling nexus-gateway back$/\1/p' "$work/watch.log" | head -n 1)
verdict=$(grep -m 1 -o '[^]]*: rolling nexus-gateway back' "$work/watch.log" || true)
verified=$(grep -m 1 -o 'rollback verified: .*' "$work/watch.log" || true)
failed=$(grep -vc '^200$' "$work/status.log" || true)
total=$(wc -l < "$work/status.log")

cat <<REPORT

Release rollback drill report
| step | ms since start |
| --- | ---: |
| bad image tag deployed (scripts/ci/deploy.sh) | $deploy_at |
| smoke test passed (scripts/ci/verify.sh: readiness and $SMOKE_PATHS) | $smoke_at |
| watch ended: rolled back and verified (scripts/auto-rollback.sh) | $done_at |

Detected at $detected (UTC):$verdict
Verified on samples after the rollback only: ${verified#rollback verified: }
Time from the bad deploy to a verified rollback: $(( done_at - deploy_at )) ms. Requests sent: $total, failed: $failed.
helm calls: $(paste -sd ';' "$work/helm.log")
REPORT
