#!/usr/bin/env bash
# Rolls the release back to its previous revision and waits for it.
source "$(dirname "$0")/common.sh"
helm rollback "$RELEASE" 0 --namespace "$NAMESPACE" --wait --timeout 5m
log "rolled $RELEASE back to its previous revision"
