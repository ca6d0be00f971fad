# Shared by the scripts under scripts/ci: settings with defaults, and small helpers.
# shellcheck shell=bash
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IMAGE=${IMAGE:-ghcr.io/nexus/nexus-gateway}
RELEASE=${RELEASE:-nexus-gateway}
NAMESPACE=${NAMESPACE:-gateways}
CHART=${CHART:-$ROOT/helm/nexus-gateway}
MAX_ERROR_RATIO=${MAX_ERROR_RATIO:-0.05}
PROMETHEUS_URL=${PROMETHEUS_URL:-http://prometheus.monitoring:9090}
# The image tag: the commit when there is one.
TAG=${TAG:-$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo dev)}

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# The series of this release only: the labels the Prometheus operator's ServiceMonitor attaches
# (the namespace, and the release's admin Service as `service`), so that another release's
# errors can neither trigger nor mask a rollback of this one.
METRICS_SELECTOR=${METRICS_SELECTOR:-namespace=\"$NAMESPACE\",service=\"$RELEASE-admin\"}
# p99 latency (seconds) above which a release is as bad as one that fails (docs/runbook/deploy.md).
MAX_P99_SECONDS=${MAX_P99_SECONDS:-2}

# The value of a PromQL expression from Prometheus's HTTP API. Fails when Prometheus does not
# answer or nothing of the release matched: "no data" is never read as "healthy".
query() {
  curl -sf --max-time 10 --get "$PROMETHEUS_URL/api/v1/query" --data-urlencode "query=$1" \
    | jq -er '.data.result[0].value[1] // empty'
}

# The release's 5xx ratio over the last WINDOW (a PromQL duration such as 2m or 37s).
error_ratio() {
  local window=$1
  query "(sum(rate(nexus_requests_total{$METRICS_SELECTOR,code=~\"5..\"}[$window])) or vector(0)) / clamp_min(sum(rate(nexus_requests_total{$METRICS_SELECTOR}[$window])), 1e-9)"
}

# The release's p99 request latency in seconds over the last WINDOW (0 without traffic).
p99_latency() {
  local window=$1
  query "histogram_quantile(0.99, sum by (le) (rate(nexus_request_duration_seconds_bucket{$METRICS_SELECTOR}[$window]))) or vector(0)"
}

# Requests the release answered over the last WINDOW.
request_count() {
  local window=$1
  query "sum(increase(nexus_requests_total{$METRICS_SELECTOR}[$window]))"
}

# Whether ratio $1 is above $2 (awk does the floating point; NaN, from no traffic, is not).
above() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }
