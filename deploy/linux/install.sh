#!/usr/bin/env bash
# Installs (or upgrades, or removes) the gateway as a systemd service. Safe to run again: each step checks first.
#
#   sudo ./install.sh [--from DIR] [--config FILE] [--no-start]
#   sudo ./install.sh --uninstall
#   ./install.sh --root DIR ...        install into a directory tree instead of / (for tests and image builds)
#
#   --from DIR     the publish folder holding `gateway` and config/ (default: this script's folder if it holds
#                  `gateway`, else artifacts/publish/linux-<arch> of the repository)
#   --config FILE  install FILE as /etc/gateway/gateway.yaml; an existing one is kept as gateway.yaml.previous.
#                  Without it, an existing /etc/gateway/gateway.yaml is never touched, and a new install gets
#                  the embedded default.
#   --no-start     enable the service but do not start it
#   --uninstall    stop, disable and remove the service and /opt/gateway; KEEPS /var/lib/gateway (the buffer
#                  with readings not yet delivered, and pki/) and /etc/gateway
#   --root DIR     treat DIR as the file system root. Unless DIR is /, no user is added to the real system,
#                  systemctl only edits DIR (`systemctl --root`), and nothing is started or chowned.
#
# Layout: /opt/gateway/gateway, /etc/gateway/gateway.yaml, /var/lib/gateway (GATEWAY_DATA),
#         /etc/systemd/system/gateway.service. See docs/deploy.md.
set -euo pipefail

script_dir="$(cd "$(dirname "$0")" && pwd)"
root=""
from=""
config=""
start=true
uninstall=false

fail() { echo "install.sh: $*" >&2; exit 1; }
step() { echo "install.sh: $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || fail "--root needs a directory"; root="$2"; shift 2 ;;
    --from) [ $# -ge 2 ] || fail "--from needs the publish folder (the one holding the 'gateway' binary)"; from="$2"; shift 2 ;;
    --config) [ $# -ge 2 ] || fail "--config needs a YAML file"; config="$2"; shift 2 ;;
    --no-start) start=false; shift ;;
    --uninstall) uninstall=true; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (see --help)" >&2; exit 64 ;;
  esac
done

# A fake root is any directory other than /: tests and image builds use it, and it must never touch the host.
if [ -n "$root" ]; then
  mkdir -p "$root"
  root="$(cd "$root" && pwd)"
  [ "$root" = / ] && root=""
fi
real_system=true
[ -n "$root" ] && real_system=false
if $real_system && [ "$(id -u)" -ne 0 ]; then
  fail "run as root (sudo $0 ...), or use --root DIR to install into a directory tree"
fi

user=gateway
opt="$root/opt/gateway"
etc="$root/etc/gateway"
data="$root/var/lib/gateway"
unit="$root/etc/systemd/system/gateway.service"
wants="$root/etc/systemd/system/multi-user.target.wants/gateway.service"

have_systemctl() { command -v systemctl >/dev/null 2>&1; }
# On the real system, talk to the running systemd only if there is one (not in a container being built).
systemd_running() { $real_system && have_systemctl && [ -d /run/systemd/system ]; }

service_active() { systemd_running && systemctl is-active --quiet gateway.service; }

enable_unit() {
  if systemd_running; then
    systemctl daemon-reload
    systemctl enable gateway.service >/dev/null
  elif have_systemctl; then
    # Works without a running systemd: only creates the [Install] symlinks inside the tree.
    systemctl --root="${root:-/}" enable gateway.service >/dev/null 2>&1 || link_unit
  else
    link_unit
  fi
}

link_unit() {
  mkdir -p "$(dirname "$wants")"
  ln -sfn /etc/systemd/system/gateway.service "$wants"
}

disable_unit() {
  if systemd_running; then
    systemctl disable --now gateway.service >/dev/null 2>&1 || true
  elif have_systemctl && [ -f "$unit" ]; then
    systemctl --root="${root:-/}" disable gateway.service >/dev/null 2>&1 || true
  fi
  rm -f "$wants"
}

ensure_user() {
  if $real_system; then
    if ! getent passwd "$user" >/dev/null; then
      local nologin=/usr/sbin/nologin
      [ -x "$nologin" ] || nologin=/bin/false
      useradd --system --user-group --home-dir /var/lib/gateway --no-create-home --shell "$nologin" \
        --comment "Changwon Edge Gateway" "$user"
      step "added system user $user"
    fi
  else
    # In a fake root, keep passwd/group entries there so the tree is complete and the step stays idempotent.
    mkdir -p "$root/etc"
    touch "$root/etc/passwd" "$root/etc/group"
    grep -q "^$user:" "$root/etc/group" || echo "$user:x:999:" >> "$root/etc/group"
    grep -q "^$user:" "$root/etc/passwd" ||
      echo "$user:x:999:999:Changwon Edge Gateway:/var/lib/gateway:/usr/sbin/nologin" >> "$root/etc/passwd"
  fi
}

# chown/chgrp only on the real system: a fake root's user does not exist on the host.
own() { if $real_system; then chown "$@"; fi; }

find_from() {
  if [ -n "$from" ]; then
    from="$(cd "$from" 2>/dev/null && pwd)" || fail "--from: folder not found"
  elif [ -x "$script_dir/gateway" ]; then
    from="$script_dir"
  else
    local arch
    case "$(uname -m)" in
      x86_64) arch=x64 ;;
      aarch64|arm64) arch=arm64 ;;
      *) fail "no gateway build for $(uname -m); pass --from DIR" ;;
    esac
    from="$(cd "$script_dir/../.." && pwd)/artifacts/publish/linux-$arch"
  fi
  [ -x "$from/gateway" ] || fail "$from/gateway not found: build it with deploy/publish.sh --rid linux-x64 (or linux-arm64), or pass --from DIR"
}

# Where the unit file comes from: the publish folder carries one; a repository checkout has it beside this script.
find_unit_source() {
  if [ -f "$from/gateway.service" ]; then echo "$from/gateway.service"
  elif [ -f "$script_dir/gateway.service" ]; then echo "$script_dir/gateway.service"
  else fail "gateway.service not found in $from or $script_dir"
  fi
}

uninstall() {
  disable_unit
  rm -f "$unit"
  systemd_running && systemctl daemon-reload
  rm -rf "$opt"
  step "removed the service and $opt"
  step "kept $data (the buffer: readings not yet delivered, and pki/) and $etc (the configuration)"
  step "to delete them too: rm -rf $data $etc; userdel $user"
}

install() {
  find_from
  local unit_source
  unit_source="$(find_unit_source)"
  [ -z "$config" ] || [ -f "$config" ] || fail "--config: $config not found"

  ensure_user

  mkdir -p "$opt" "$etc" "$data"
  chmod 0755 "$opt" "$etc"
  chmod 0750 "$data"
  own "$user:$user" "$data"
  # The PKI layout the OPC UA client uses; created here so the PLC administrator's files have a place from day one.
  for dir in own trusted issuers rejected; do
    mkdir -p "$data/pki/$dir"
  done
  own -R "$user:$user" "$data/pki"

  # Upgrade: stop first so the buffer is committed and closed, then replace, then start (docs/deploy.md).
  local restart=false
  if [ -f "$opt/gateway" ] && ! cmp -s "$from/gateway" "$opt/gateway"; then
    if service_active; then
      step "stopping the running gateway for the upgrade"
      systemctl stop gateway.service
      restart=true
    fi
  fi
  if ! cmp -s "$from/gateway" "$opt/gateway" 2>/dev/null; then
    # Copy beside, then rename: a half-copied binary is never the one systemd starts.
    cp "$from/gateway" "$opt/gateway.new"
    chmod 0755 "$opt/gateway.new"
    mv -f "$opt/gateway.new" "$opt/gateway"
    step "installed $opt/gateway ($("$opt/gateway" --version 2>/dev/null || echo 'version unknown'))"
  fi
  # Reference copies (the embedded default, examples, schemas, this guide), replaced on every upgrade.
  rm -rf "$opt/config"
  cp -R "$from/config" "$opt/config"
  if [ -f "$from/docs/deploy.md" ]; then
    mkdir -p "$opt/docs"
    cp "$from/docs/deploy.md" "$opt/docs/deploy.md"
  fi

  local target="$etc/gateway.yaml"
  if [ -n "$config" ]; then
    if [ -f "$target" ] && ! cmp -s "$config" "$target"; then
      cp -p "$target" "$target.previous"
      step "kept the old configuration as $target.previous"
    fi
    cp "$config" "$target.new" && mv -f "$target.new" "$target"
  elif [ ! -f "$target" ]; then
    cp "$from/config/gateway.yaml" "$target"
    step "installed the embedded default as $target: edit it for this factory (docs/configuration.md)"
  fi
  chmod 0640 "$target"
  own "root:$user" "$target"

  # Refuse to enable a service that would not start: validate with the paths the unit gives it.
  if ! GATEWAY_DATA="$data" "$opt/gateway" validate --config "$target"; then
    fail "$target has errors (listed above); fix it and run install.sh again"
  fi

  mkdir -p "$(dirname "$unit")"
  if ! cmp -s "$unit_source" "$unit"; then
    cp "$unit_source" "$unit"
    chmod 0644 "$unit"
    step "installed $unit"
  fi
  enable_unit

  if systemd_running && { $start || $restart; }; then
    systemctl start gateway.service
    step "started: systemctl status gateway; journalctl -u gateway -f"
  elif ! $real_system; then
    step "installed into $root (fake root: nothing started)"
  elif ! systemd_running; then
    step "systemd is not running here: the service starts at the next boot"
  fi
}

if $uninstall; then uninstall; else install; fi
