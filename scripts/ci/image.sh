#!/usr/bin/env bash
# Builds the launcher image from the Dockerfile and pushes it, tagged with the commit.
source "$(dirname "$0")/common.sh"
cd "$ROOT"
docker build --pull -t "$IMAGE:$TAG" .
docker push "$IMAGE:$TAG"
log "pushed $IMAGE:$TAG"
