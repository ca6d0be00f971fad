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

# The 5xx ratio of the gateway over the last WINDOW (default 5m), from Prometheus's HTTP API.
error_ratio() {
  local window=${1:-5m}
  local query="sum(rate(nexus_requests_total{code=~\"5..\"}[$window])) / clamp_min(sum(rate(nexus_requests_total[$window])), 1e-9)"
  curl -sf --max-time 10 --get "$PROMETHEUS_URL/api/v1/query" --data-urlencode "query=$query" \
    | jq -r '.data.result[0].value[1] // "0"'
}

# Whether ratio $1 is above $2 (awk does the floating point).
above() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }
