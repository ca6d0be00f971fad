#!/usr/bin/env bash
# After a deploy (or a rollback): the rollout is complete and ready, a smoke request through the
# gateway answers, and the 5xx ratio from Prometheus stays under MAX_ERROR_RATIO.
source "$(dirname "$0")/common.sh"
kubectl rollout status "deployment/$RELEASE" --namespace "$NAMESPACE" --timeout 5m
if [[ -n ${SMOKE_URL:-} ]]; then
  status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$SMOKE_URL")
  [[ $status =~ ^[23] ]] || { log "smoke test $SMOKE_URL answered $status"; exit 1; }
  log "smoke test $SMOKE_URL answered $status"
fi
ratio=$(error_ratio "${VERIFY_WINDOW:-2m}")
if above "$ratio" "$MAX_ERROR_RATIO"; then
  log "5xx ratio $ratio is above $MAX_ERROR_RATIO"
  exit 1
fi
log "5xx ratio $ratio is within $MAX_ERROR_RATIO"
