#!/usr/bin/env bash
# Runs every test: unit and end-to-end tests, then those tagged slow or prometheus (a second
# surefire execution), then the WAR inside a real Jetty distribution. -DskipSlowTests=true leaves
# out the tagged ones.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=$(scripts/java-home.sh)
export JAVA_HOME
echo "Using JDK at $JAVA_HOME"
exec mvn -B -ntp verify "$@"
