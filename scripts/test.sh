#!/usr/bin/env bash
# Runs every test: unit and end-to-end tests, then the WAR inside a real Jetty distribution.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=$(scripts/java-home.sh)
export JAVA_HOME
echo "Using JDK at $JAVA_HOME"
exec mvn -B -ntp verify "$@"
