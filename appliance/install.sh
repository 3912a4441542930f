#!/usr/bin/env bash
# Installs Bulkhead on Debian 12 (amd64 or arm64) as the appliance's services: the gateway
# (bulkhead.service), the console (bulkhead-console.service), and the fail state held at boot
# before the network comes up (bulkhead-failsafe.service). Run as root from a checkout.
# Safe to run again: it upgrades the program, keeps an existing configuration and data, and
# changes nothing else that is already as it should be.
#
#   appliance/install.sh [--config FILE] [--network] [--no-start] [--root DIR]
#
#   --config FILE  install this configuration (an existing one is kept as bulkhead.yaml.before)
#   --network      let systemd-networkd set up the management port and the plant bridge from the
#                  configuration. Off by default: on a box whose network is configured otherwise,
#                  over SSH, it would cut the connection.
#   --no-start     enable the services for the next boot but do not (re)start them now
#   --root DIR     install into a Debian 12 root being built (an image); implies --no-start
set -euo pipefail

die() { echo "install: $*" >&2; exit 1; }
say() { echo "install: $*"; }

SRC=$(cd "$(dirname "$0")/.." && pwd)
ROOT=/
CONFIG=
NETWORK=0
START=1
while [ $# -gt 0 ]; do
  case "$1" in
    --config) CONFIG=$(realpath "${2:?--config needs a file}"); shift 2 ;;
    --network) NETWORK=1; shift ;;
    --no-start) START=0; shift ;;
    --root) ROOT=$(realpath "${2:?--root needs a directory}"); START=0; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown option '$1' (--config FILE, --network, --no-start, --root DIR)" ;;
  esac
done

[ "$(id -u)" = 0 ] || die "run as root (it installs packages, a service user and systemd units)"
in_root() { if [ "$ROOT" = / ]; then "$@"; else chroot "$ROOT" "$@"; fi; }

# Debian 12, amd64 or arm64, the same architecture as the build here.
[ -r "$ROOT/etc/os-release" ] || die "$ROOT/etc/os-release is missing: not a Debian root"
# shellcheck disable=SC1091
. "$ROOT/etc/os-release"
[ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ] || die "Debian 12 is needed, this is ${PRETTY_NAME:-unknown}"
ARCH=$(in_root dpkg --print-architecture)
case "$ARCH" in amd64|arm64) ;; *) die "amd64 or arm64 is needed, this is $ARCH" ;; esac
[ "$ARCH" = "$(dpkg --print-architecture)" ] || die "the target is $ARCH but this machine builds $(dpkg --print-architecture): build on a $ARCH machine"

# System packages: nftables and iptables-nft (enforcement), NFQUEUE and libpcap (inspection,
# learning), iproute2, timesyncd (audit timestamps), ca-certificates.
PACKAGES="nftables iptables libnetfilter-queue1 libpcap0.8 iproute2 procps systemd-timesyncd ca-certificates"
missing=$(for p in $PACKAGES; do in_root dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"; done)
if [ -n "$missing" ]; then
  say "installing packages:" $missing
  DEBIAN_FRONTEND=noninteractive in_root apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  say "system packages present"
fi

# Node.js 20.19 or newer (Debian 12 ships 18).
NODE_VERSION=$(in_root node --version 2>/dev/null || true)
case "$NODE_VERSION" in
  v2[1-9].*|v[3-9][0-9].*|v20.19.*|v20.2[0-9].*) say "Node.js $NODE_VERSION" ;;
  *) die "Node.js 20.19 or newer is needed${NODE_VERSION:+, found $NODE_VERSION} (Debian 12 ships 18): install Node.js 20 from the Node.js project's Debian packages, then run this again" ;;
esac

# The program, built here (build tools and -dev packages are needed on this machine only).
cd "$SRC"
built() { [ -x dist/src/cli.js ] && [ -f src/enforce/native/build/Release/nfqueue.node ] && [ -f src/gateway/native/build/Release/sdnotify.node ] && [ -f node_modules/better-sqlite3/build/Release/better_sqlite3.node ]; }
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing the build's packages (npm ci)"
  npm ci --no-audit --no-fund >/dev/null
fi
if ! built || [ -n "$(find src protocols package.json \( -name '*.ts' -o -name '*.c' -o -name '*.gyp' -o -name package.json \) -newer dist/src/cli.js -print -quit 2>/dev/null)" ]; then
  say "building (npm run build)"
  npm run build >/dev/null
fi
built || die "the build is incomplete: the native addons need libnetfilter-queue-dev, libpcap-dev, python3, make and g++ (apt-get install them and run this again)"

# Staged next to the installed one and swapped in by rename: a failed install leaves the old.
PREFIX=/opt/bulkhead
STAGE="$ROOT$PREFIX.new"
rm -rf "$STAGE"
mkdir -p "$STAGE/dist" "$STAGE/src/enforce/native/build/Release" "$STAGE/src/gateway/native/build/Release"
cp -a package.json package-lock.json README.md appliance "$STAGE/"
cp -a dist/src dist/protocols "$STAGE/dist/"
cp -a node_modules "$STAGE/"
cp -a src/enforce/native/build/Release/nfqueue.node "$STAGE/src/enforce/native/build/Release/"
cp -a src/gateway/native/build/Release/sdnotify.node "$STAGE/src/gateway/native/build/Release/"
# Only what runs: development packages (compilers, test tools) stay behind.
(cd "$STAGE" && npm prune --omit=dev --no-audit --no-fund --ignore-scripts >/dev/null)
chown -R 0:0 "$STAGE"
if [ -d "$ROOT$PREFIX" ]; then mv "$ROOT$PREFIX" "$ROOT$PREFIX.old"; fi
mv "$STAGE" "$ROOT$PREFIX"
rm -rf "$ROOT$PREFIX.old"
ln -sfn "$PREFIX/dist/src/cli.js" "$ROOT/usr/local/bin/bulkhead"
say "installed $(node -p 'require("./package.json").version') in $PREFIX ($(du -sh "$ROOT$PREFIX" | cut -f1))"

# The service user and its directories.
in_root getent group bulkhead >/dev/null || in_root groupadd --system bulkhead
in_root getent passwd bulkhead >/dev/null || in_root useradd --system --gid bulkhead --home-dir /var/lib/bulkhead --no-create-home --shell /usr/sbin/nologin bulkhead
in_root install -d -m 0750 -o root -g bulkhead /etc/bulkhead

# The configuration: an existing one is the integrator's and stays unless --config replaces it.
ETC="$ROOT/etc/bulkhead"
cp appliance/bulkhead.yaml "$ETC/bulkhead.yaml.dist"
if [ -n "$CONFIG" ]; then
  if [ -f "$ETC/bulkhead.yaml" ] && ! cmp -s "$CONFIG" "$ETC/bulkhead.yaml"; then cp -a "$ETC/bulkhead.yaml" "$ETC/bulkhead.yaml.before"; fi
  install -m 0640 "$CONFIG" "$ETC/bulkhead.yaml"
elif [ ! -f "$ETC/bulkhead.yaml" ]; then
  install -m 0640 appliance/bulkhead.yaml "$ETC/bulkhead.yaml"
  say "installed the default configuration: edit /etc/bulkhead/bulkhead.yaml (ports, management address), then run this again"
fi
in_root chgrp bulkhead /etc/bulkhead/bulkhead.yaml /etc/bulkhead/bulkhead.yaml.dist
CHECKED=$(in_root bulkhead config check /etc/bulkhead/bulkhead.yaml --json) || die "/etc/bulkhead/bulkhead.yaml is not valid (above): fix it and run this again"
DATA=$(node -p 'JSON.parse(process.argv[1]).dataDir' "$CHECKED")
say "configuration valid: data in $DATA"
in_root install -d -m 2770 -o bulkhead -g bulkhead "$DATA"

# Kernel settings, modules, journal limits, time sources, and (with --network) the network.
in_root bulkhead config render /etc/bulkhead/bulkhead.yaml $([ "$NETWORK" = 1 ] || echo --no-network)

# The services.
for unit in appliance/systemd/*.service; do
  if ! cmp -s "$unit" "$ROOT/etc/systemd/system/$(basename "$unit")"; then install -m 0644 "$unit" "$ROOT/etc/systemd/system/"; fi
done
# A data directory elsewhere than the units' default must be writable for them.
if [ "$DATA" != /var/lib/bulkhead ]; then
  for unit in bulkhead bulkhead-console bulkhead-failsafe bulkhead-fleet; do
    mkdir -p "$ROOT/etc/systemd/system/$unit.service.d"
    printf '[Unit]\nRequiresMountsFor=%s\n[Service]\nReadWritePaths=%s\n' "$DATA" "$DATA" > "$ROOT/etc/systemd/system/$unit.service.d/data-dir.conf"
  done
fi
# bulkhead-failsafe runs at boot only, before the network: nothing to start now.
in_root systemctl enable --quiet bulkhead-failsafe.service bulkhead.service bulkhead-console.service
[ "$NETWORK" = 0 ] || in_root systemctl enable --quiet systemd-networkd.service systemd-timesyncd.service

if [ "$START" = 0 ]; then
  say "services enabled; they start at the next boot"
elif [ ! -d /run/systemd/system ]; then
  echo "install: WARNING: systemd is not running here: the services are enabled for the next boot, not started" >&2
else
  systemctl daemon-reload
  systemctl restart systemd-modules-load.service systemd-sysctl.service
  [ "$NETWORK" = 0 ] || systemctl restart systemd-networkd.service
  systemctl restart bulkhead.service bulkhead-console.service
  for i in $(seq 60); do
    systemctl is-active --quiet bulkhead.service && systemctl is-active --quiet bulkhead-console.service && break
    sleep 1
  done
  systemctl --no-pager --lines=5 status bulkhead.service bulkhead-console.service || die "a service did not come up: journalctl -u bulkhead -u bulkhead-console"
  say "running; the console's one-time setup token: journalctl -u bulkhead-console | grep -A2 'setup token'"
fi
