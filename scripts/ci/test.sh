#!/usr/bin/env bash
# Unit and integration tests: README's test command.
source "$(dirname "$0")/common.sh"
exec "$ROOT/scripts/test.sh"
