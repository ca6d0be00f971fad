#!/usr/bin/env bash
# Runs every test: unit and end-to-end tests, then those tagged slow or prometheus (a second
# surefire execution), then the WAR inside a real Jetty distribution. -DskipSlowTests=true leaves
# out the tagged ones. Prepares what it needs: a JDK >= 21 (scripts/java-home.sh), Maven, and
# Debian's prometheus (promtool and prometheus), curl, jq and redis-server, installed when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/require.sh
JAVA_HOME=$(scripts/java-home.sh)
export JAVA_HOME
echo "Using JDK at $JAVA_HOME"

require mvn maven
# The prometheus-tagged tests run promtool and prometheus against the shipped rules, and the
# rollback scripts they drive call curl and jq.
require promtool prometheus
require curl curl
require jq jq
# SlowClientsTest reads the public port's listen backlog with ss.
require ss iproute2
# The dashboard's browser tests (DashboardTest) drive a headless chromium through chromedriver.
require chromium chromium
require chromedriver chromium-driver
# ClusterRateLimitTest starts its own redis-server processes (and a Redis Cluster with redis-cli).
require redis-server redis-server
require redis-cli redis-tools

# TlsScanTest (tagged slow) scans the TLS port with testssl (Debian package testssl.sh).
require testssl testssl.sh
# NginxExportTest runs the exported nginx configuration in a real nginx.
require nginx nginx
exec mvn -B -ntp verify "$@"
