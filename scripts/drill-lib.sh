# Sourced by the rollback drills (scripts/rollback-drill.sh, scripts/release-drill.sh), from the
# repository's root with TIMEOUT set: the launcher jar (built if missing), a work directory and
# the processes started, cleaned up on exit, the drill's clock and deadline, free ports, and the
# gateway started on a config file.
# shellcheck shell=bash
JAVA_HOME=$(scripts/java-home.sh)
export JAVA_HOME
jar=gateway-launcher/target/nexus-gateway.jar
if [[ ! -f "$jar" ]]; then
  require mvn maven
  echo "Building $jar ..."
  mvn -B -ntp -q package -DskipTests -pl gateway-launcher -am
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
start_ms=$(now_ms)
elapsed() { echo $(( $(now_ms) - start_ms )); }
deadline=$(( $(date +%s) + TIMEOUT ))
check_deadline() {
  (( $(date +%s) < deadline )) && return
  echo "drill: gave up after ${TIMEOUT}s at: $1" >&2
  # What the processes said, for the one who reads the CI log.
  for log in "$work"/*.log; do
    [[ -f $log ]] && { echo "--- last lines of $(basename "$log")" >&2; tail -n 15 "$log" >&2; }
  done
  exit 1
}

free_port() {
  local port
  while :; do
    # Below the kernel's ephemeral range (32768 up), where outgoing connections take their ports.
    port=$(( 20000 + RANDOM % 12000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# Starts the launcher on $work/gateway.conf and waits for it; sets public_port and admin_port.
start_gateway() {
  NEXUS_LAST_KNOWN_GOOD="$work/last-known-good.conf" "$JAVA_HOME/bin/java" -jar "$jar" --config "$work/gateway.conf" > "$work/gateway.log" 2>&1 &
  pids+=($!)
  until grep -q "Nexus listening on" "$work/gateway.log"; do check_deadline "start-up"; sleep 0.2; done
  public_port=$(sed -n 's/.*Nexus listening on [^:]*:\([0-9]*\) (admin [^:]*:\([0-9]*\)).*/\1/p' "$work/gateway.log" | head -n 1)
  admin_port=$(sed -n 's/.*Nexus listening on [^:]*:\([0-9]*\) (admin [^:]*:\([0-9]*\)).*/\2/p' "$work/gateway.log" | head -n 1)
}
