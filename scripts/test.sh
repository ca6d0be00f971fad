#!/usr/bin/env bash
# Runs every test: unit and end-to-end tests, then those tagged slow or prometheus (a second
# surefire execution), then the WAR inside a real Jetty distribution. -DskipSlowTests=true leaves
# out the tagged ones.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=$(scripts/java-home.sh)
export JAVA_HOME
echo "Using JDK at $JAVA_HOME"

# Maven is the only build tool.
if ! command -v mvn >/dev/null 2>&1; then
  if ((EUID == 0)); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq maven
  else
    echo "test.sh: Maven is missing; install it with: sudo apt-get install -y maven" >&2
    exit 1
  fi
fi

# The prometheus-tagged tests run Debian's promtool and prometheus against the shipped rules.
if ! command -v promtool >/dev/null 2>&1; then
  if ((EUID == 0)); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus
  else
    echo "test.sh: promtool is missing; install it with: sudo apt-get install -y --no-install-recommends prometheus" >&2
    exit 1
  fi
fi
exec mvn -B -ntp verify "$@"
