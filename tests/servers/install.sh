#!/usr/bin/env bash
# Installs the real servers the tests start (each test starts its own on 127.0.0.1 on a free port):
# mosquitto, influxdb 1.6 and victoria-metrics from Debian packages, node-opcua from npm, and what each
# folder under tests/servers/ asks for:
#   FOLDER/apt.txt       lines "COMMAND-OR-PATH PACKAGE": the package is installed when the command is
#                        not on PATH and the path does not exist (a Python module: "python3:MODULE PACKAGE");
#   FOLDER/package.json  npm packages, installed into FOLDER/node_modules.
# Idempotent: does nothing that is already done.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

need_apt=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need_apt+=(mosquitto)
command -v mosquitto_sub >/dev/null 2>&1 || need_apt+=(mosquitto-clients)
command -v influxd >/dev/null 2>&1 || [ -x /usr/bin/influxd ] || need_apt+=(influxdb influxdb-client)
command -v victoria-metrics >/dev/null 2>&1 || [ -x /usr/bin/victoria-metrics ] || need_apt+=(victoria-metrics)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)

# The per-folder lists: one line per package, so a new server adds a file instead of editing this one.
for list in "$here"/*/apt.txt; do
  [ -f "$list" ] || continue
  while read -r probe package; do
    case "$probe" in ''|'#'*) continue ;; esac
    case "$probe" in
      python3:*) python3 -c "import ${probe#python3:}" >/dev/null 2>&1 && continue ;;
      /*) [ -e "$probe" ] && continue ;;
      *) command -v "$probe" >/dev/null 2>&1 && continue ;;
    esac
    case " ${need_apt[*]} " in *" $package "*) ;; *) need_apt+=("$package") ;; esac
  done < "$list"
done

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "install.sh: installing ${need_apt[*]} (Debian packages)"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # --no-install-recommends and policy-rc.d: install the binaries only; the tests start their own servers.
  if [ -d /usr/sbin ] && [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# The packaged services would hold the default ports; the tests never use them. Only daemons (parent: init) are
# stopped: a broker or database a running test or load harness started is its child and is left alone.
for svc in mosquitto influxdb influxd victoria-metrics; do
  pkill -x -P 1 "$svc" 2>/dev/null || true
done

for dir in "$here"/*/; do
  if [ -f "$dir/package.json" ] && [ ! -d "$dir/node_modules" ]; then
    echo "install.sh: installing the npm packages of $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error 2>/dev/null || npm install --no-audit --no-fund --loglevel=error)
  fi
done
echo "install.sh: servers ready"
