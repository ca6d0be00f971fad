#!/usr/bin/env bash
# Automatic rollback (DR3). For WATCH_SECONDS after a deploy, every CHECK_INTERVAL seconds, asks
# Prometheus for the release's 5xx ratio and p99 latency over the last WINDOW, on the release's
# series only (METRICS_SELECTOR, scripts/ci/common.sh). When either passes its threshold
# (MAX_ERROR_RATIO, MAX_P99_SECONDS), runs `helm rollback` to the previous revision and verifies
# it on samples taken after the rollback finished, never on the bad release's: once at least
# VERIFY_MIN_REQUESTS requests were answered after it, the ratio and the p99 over exactly that
# time must be within the thresholds, within VERIFY_SECONDS.
# Exit codes: 0 healthy for the whole watch; 2 rolled back and verified; 3 rolled back but not
# verified (still failing, or too little traffic to tell in time); 4 Prometheus could not be
# asked or holds no series of the release (nothing was rolled back).
source "$(dirname "$0")/ci/common.sh"

WATCH_SECONDS=${WATCH_SECONDS:-600}
CHECK_INTERVAL=${CHECK_INTERVAL:-15}
WINDOW=${WINDOW:-2m}
VERIFY_SECONDS=${VERIFY_SECONDS:-300}
VERIFY_MIN_REQUESTS=${VERIFY_MIN_REQUESTS:-20}
MAX_QUERY_FAILURES=${MAX_QUERY_FAILURES:-5}

# Judges the release over window $1: sets STATE (the figures) and VERDICT (why it is bad, empty
# when it is within the thresholds). Fails when Prometheus cannot tell.
judge() {
  local ratio p99
  ratio=$(error_ratio "$1") || return 1
  p99=$(p99_latency "$1") || return 1
  STATE="5xx ratio $ratio, p99 ${p99}s"
  VERDICT=
  if above "$ratio" "$MAX_ERROR_RATIO"; then
    VERDICT="5xx ratio $ratio is above $MAX_ERROR_RATIO"
  elif above "$p99" "$MAX_P99_SECONDS"; then
    VERDICT="p99 latency ${p99}s is above ${MAX_P99_SECONDS}s"
  fi
}

verify_rollback() {
  local rolled_back_at verify_end since requests
  rolled_back_at=$(date +%s)
  verify_end=$(( rolled_back_at + VERIFY_SECONDS ))
  while (( $(date +%s) < verify_end )); do
    sleep "$CHECK_INTERVAL"
    since="$(( $(date +%s) - rolled_back_at ))s"
    if ! requests=$(request_count "$since") || above "$VERIFY_MIN_REQUESTS" "$requests"; then
      log "after the rollback: ${requests:-no} requests in the ${since} since it, waiting for $VERIFY_MIN_REQUESTS"
      continue
    fi
    if ! judge "$since"; then
      log "after the rollback: Prometheus did not answer"
      continue
    fi
    if [[ -z $VERDICT ]]; then
      log "rollback verified: $STATE over the ${since} since the rollback ($requests requests)"
      exit 2
    fi
    log "after the rollback: $VERDICT over the ${since} since it"
  done
  log "the rollback was not verified within ${VERIFY_SECONDS}s: page the on-call (docs/runbook/rollback.md)"
  exit 3
}

end=$(( $(date +%s) + WATCH_SECONDS ))
failures=0
log "watching $RELEASE ($METRICS_SELECTOR) over $WINDOW for ${WATCH_SECONDS}s: 5xx ratio at most $MAX_ERROR_RATIO, p99 at most ${MAX_P99_SECONDS}s"
while (( $(date +%s) < end )); do
  if ! judge "$WINDOW"; then
    failures=$((failures + 1))
    log "Prometheus at $PROMETHEUS_URL did not answer, or holds no series of the release ($failures/$MAX_QUERY_FAILURES)"
    (( failures < MAX_QUERY_FAILURES )) || { log "giving up: cannot judge the release without metrics"; exit 4; }
    sleep "$CHECK_INTERVAL"
    continue
  fi
  failures=0
  if [[ -n $VERDICT ]]; then
    log "$VERDICT: rolling $RELEASE back"
    helm rollback "$RELEASE" 0 --namespace "$NAMESPACE" --wait --timeout 5m
    verify_rollback
  fi
  log "$STATE: within the thresholds"
  sleep "$CHECK_INTERVAL"
done
log "no rollback needed: healthy for ${WATCH_SECONDS}s"
