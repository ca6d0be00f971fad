#!/usr/bin/env bash
# The smoke test, after every deploy and every rollback: the rollout is complete, and through the
# Kubernetes API (kubectl port-forward: nothing is exposed for it) the release's own /readyz
# answers 200 on its admin Service and each of SMOKE_PATHS answers 2xx or 3xx on its traffic
# Service. The error ratio and latency over time are auto-rollback.sh's part.
source "$(dirname "$0")/common.sh"

# Space-separated paths, each answered by a route of the release, e.g. "/users/health /orders/".
SMOKE_PATHS=${SMOKE_PATHS:-}
SERVICE=${SERVICE:-$RELEASE}
ADMIN_PORT=${ADMIN_PORT:-9090}
HTTP_PORT=${HTTP_PORT:-80}

forwards=$(mktemp -d)
cleanup() {
  for pid in "$forwards"/*.pid; do
    [[ -f $pid ]] && kill "$(cat "$pid")" 2>/dev/null || true
  done
  rm -rf "$forwards"
}
trap cleanup EXIT

# Forwards a free local port to port $2 of service $1; prints the local port.
forward() {
  local out=$forwards/$1.out port
  kubectl port-forward --namespace "$NAMESPACE" "service/$1" ":$2" > "$out" 2>&1 &
  echo $! > "$forwards/$1.pid"
  for _ in $(seq 100); do
    port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$out" | head -n 1)
    if [[ -n $port ]]; then
      echo "$port"
      return 0
    fi
    kill -0 "$(cat "$forwards/$1.pid")" 2>/dev/null || break
    sleep 0.1
  done
  log "kubectl port-forward to service/$1 failed: $(cat "$out")"
  return 1
}

# Whether GET $1 answers one of the statuses matched by regex $2; logs the answer.
answers() {
  local status
  status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$1" || true)
  if [[ $status =~ $2 ]]; then
    log "smoke: $1 answered $status"
  else
    log "smoke: $1 answered ${status:-nothing}"
    return 1
  fi
}

kubectl rollout status "deployment/$SERVICE" --namespace "$NAMESPACE" --timeout 5m
admin=$(forward "$SERVICE-admin" "$ADMIN_PORT")
answers "http://127.0.0.1:$admin/readyz" '^200$'
if [[ -n $SMOKE_PATHS ]]; then
  http=$(forward "$SERVICE" "$HTTP_PORT")
  for path in $SMOKE_PATHS; do
    answers "http://127.0.0.1:$http$path" '^[23][0-9][0-9]$'
  done
fi
log "smoke test passed"
