#!/usr/bin/env bash
# Builds the launcher image from the Dockerfile and pushes it, tagged with the commit. The base
# images are named by moving tags (their lines' latest patches); what they resolved to at this
# build, and the pushed image's own digest, are recorded in image-digests.txt (archived by the
# pipeline), so a release can always be traced to exact bytes.
source "$(dirname "$0")/common.sh"
cd "$ROOT"
docker build --pull -t "$IMAGE:$TAG" .
docker push "$IMAGE:$TAG"
{
  for base in $(sed -n 's/^FROM \([^ ]*\).*/\1/p' Dockerfile); do
    printf 'base %s %s\n' "$base" "$(docker image inspect --format '{{index .RepoDigests 0}}' "$base")"
  done
  printf 'image %s:%s %s\n' "$IMAGE" "$TAG" "$(docker image inspect --format '{{index .RepoDigests 0}}' "$IMAGE:$TAG")"
} > image-digests.txt
cat image-digests.txt >&2
log "pushed $IMAGE:$TAG"
