# Sourced by the scripts that need tools from Debian packages: `require COMMAND PACKAGE` installs
# the package when the command is missing and this runs as root, else stops with the exact
# command to run. Nothing is skipped silently.
# shellcheck shell=bash
require() {
  local command=$1 package=$2
  command -v "$command" >/dev/null 2>&1 && return 0
  if ((EUID == 0)); then
    echo "Installing Debian package $package (for $command) ..." >&2
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$package"; } >&2
  else
    echo "$(basename "$0"): $command is missing; install it with: sudo apt-get install -y --no-install-recommends $package" >&2
    exit 1
  fi
}
