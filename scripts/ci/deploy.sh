#!/usr/bin/env bash
# Installs or upgrades the release; --atomic rolls back by itself when the pods do not become
# ready within the timeout.
source "$(dirname "$0")/common.sh"
helm upgrade --install "$RELEASE" "$CHART" \
  --namespace "$NAMESPACE" --create-namespace \
  --atomic --timeout 5m \
  --set image.repository="$IMAGE" --set image.tag="$TAG" \
  ${VALUES_FILE:+--values "$VALUES_FILE"}
log "deployed $RELEASE with $IMAGE:$TAG"
