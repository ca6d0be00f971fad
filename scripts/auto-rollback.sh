#!/usr/bin/env bash
# Automatic rollback (DR3): for WATCH_SECONDS after a deploy, checks the gateway's 5xx ratio
# through Prometheus's HTTP API every CHECK_INTERVAL seconds; when it passes MAX_ERROR_RATIO
# (default 0.05), runs `helm rollback` to the previous revision and verifies that the ratio
# falls back under the threshold within VERIFY_SECONDS.
# Exit codes: 0 healthy for the whole watch; 2 rolled back and verified; 3 rolled back but the
# ratio stayed high; 4 Prometheus could not be asked (nothing was rolled back).
source "$(dirname "$0")/ci/common.sh"

WATCH_SECONDS=${WATCH_SECONDS:-600}
CHECK_INTERVAL=${CHECK_INTERVAL:-15}
WINDOW=${WINDOW:-2m}
VERIFY_SECONDS=${VERIFY_SECONDS:-300}
MAX_QUERY_FAILURES=${MAX_QUERY_FAILURES:-5}

end=$(( $(date +%s) + WATCH_SECONDS ))
failures=0
log "watching the 5xx ratio of $RELEASE over $WINDOW for ${WATCH_SECONDS}s (threshold $MAX_ERROR_RATIO)"
while (( $(date +%s) < end )); do
  if ! ratio=$(error_ratio "$WINDOW"); then
    failures=$((failures + 1))
    log "Prometheus at $PROMETHEUS_URL did not answer ($failures/$MAX_QUERY_FAILURES)"
    (( failures < MAX_QUERY_FAILURES )) || { log "giving up: cannot judge the release without metrics"; exit 4; }
    sleep "$CHECK_INTERVAL"
    continue
  fi
  failures=0
  if above "$ratio" "$MAX_ERROR_RATIO"; then
    log "5xx ratio $ratio is above $MAX_ERROR_RATIO: rolling $RELEASE back"
    helm rollback "$RELEASE" 0 --namespace "$NAMESPACE" --wait --timeout 5m
    verify_end=$(( $(date +%s) + VERIFY_SECONDS ))
    while (( $(date +%s) < verify_end )); do
      sleep "$CHECK_INTERVAL"
      if ratio=$(error_ratio "$WINDOW") && ! above "$ratio" "$MAX_ERROR_RATIO"; then
        log "rollback verified: 5xx ratio $ratio is within $MAX_ERROR_RATIO"
        exit 2
      fi
      log "after the rollback the 5xx ratio is still ${ratio:-unknown}"
    done
    log "the rollback did not bring the 5xx ratio under $MAX_ERROR_RATIO within ${VERIFY_SECONDS}s"
    exit 3
  fi
  log "5xx ratio $ratio is within $MAX_ERROR_RATIO"
  sleep "$CHECK_INTERVAL"
done
log "no rollback needed: healthy for ${WATCH_SECONDS}s"
