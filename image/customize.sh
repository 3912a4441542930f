#!/usr/bin/env bash
# The image's own settings, on the root being built (called by image/build.sh):
#   customize.sh ROOT SERIAL BOOT_TEST ROOT_PASSWORD_HASH ROOT_PARTUUID VAR_PARTUUID
set -euo pipefail
ROOT=$1 SERIAL=$2 BOOT_TEST=$3 ROOT_HASH=$4 ROOT_UUID=$5 VAR_UUID=$6
HERE=$(cd "$(dirname "$0")" && pwd)

# Read-only root, persistent /var (checked at boot), /tmp in memory.
cat > "$ROOT/etc/fstab" <<FSTAB
# Written by the Bulkhead image build.
PARTUUID=$ROOT_UUID / ext4 ro,noatime,errors=remount-ro 0 1
PARTUUID=$VAR_UUID /var ext4 rw,noatime,nodev,nosuid,commit=5,errors=remount-ro,x-systemd.growfs 0 2
tmpfs /tmp tmpfs rw,nodev,nosuid,size=128M,mode=1777 0 0
FSTAB
# Written to a disk larger than the image, the data partition takes the rest of it at the first
# boot (systemd-repart grows the partition, systemd-growfs the file system, online, after it):
# the database, journal and retention get the box's whole disk.
install -d "$ROOT/usr/lib/repart.d" "$ROOT/etc/systemd/system/systemd-growfs@var.service.d"
printf '[Partition]\nType=var\n' > "$ROOT/usr/lib/repart.d/50-bulkhead-var.conf"
printf '[Unit]\nAfter=systemd-repart.service\n' > "$ROOT/etc/systemd/system/systemd-growfs@var.service.d/50-after-repart.conf"
# An empty machine-id on a read-only root: systemd makes one per boot.
: > "$ROOT/etc/machine-id"
rm -f "$ROOT/var/lib/dbus/machine-id"
echo bulkhead > "$ROOT/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 bulkhead\n::1 localhost ip6-localhost ip6-loopback\n' > "$ROOT/etc/hosts"

# The serial console: boot messages, the setup token, and a login for root if a password was given.
if [ -n "$ROOT_HASH" ]; then chroot "$ROOT" usermod -p "$ROOT_HASH" root; else chroot "$ROOT" passwd -l root >/dev/null; fi
chroot "$ROOT" systemctl enable --quiet "serial-getty@$SERIAL.service"

# Updates come as a new image, not through apt on a read-only root.
chroot "$ROOT" systemctl mask --quiet apt-daily.timer apt-daily-upgrade.timer 2>/dev/null || true

# Smaller: documentation, translations, package lists, and kernel drivers an industrial PC's
# gateway has no use for (sound, video capture, graphics, wireless, Bluetooth, InfiniBand, staging).
rm -rf "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin "$ROOT"/var/cache/apt/archives/*.deb
find "$ROOT/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'en*' ! -name locale.alias -exec rm -rf {} +
for kver in "$ROOT"/usr/lib/modules/*; do
  k="$kver/kernel"
  rm -rf "$k/sound" "$k/drivers/media" "$k/drivers/gpu" "$k/drivers/net/wireless" "$k/net/wireless" "$k/net/mac80211" "$k/drivers/bluetooth" "$k/net/bluetooth" "$k/drivers/infiniband" "$k/drivers/staging" "$k/drivers/isdn"
  chroot "$ROOT" depmod "$(basename "$kver")"
done
# The initramfs again: without those drivers, and reproducible (initramfs-tools clamps its
# timestamps to SOURCE_DATE_EPOCH, which the package install that made the first one lacked).
[ -n "${SOURCE_DATE_EPOCH:-}" ] || { echo "customize: SOURCE_DATE_EPOCH is not set" >&2; exit 1; }
chroot "$ROOT" env SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" update-initramfs -u -k all >/dev/null

if [ "$BOOT_TEST" = 1 ]; then
  T="$ROOT/usr/local/lib/bulkhead-boot-test"
  install -d "$T"
  install -m 0755 "$HERE/boot-test-guest.sh" "$T/run"
  install -m 0644 "$HERE/boot-test-policy.yaml" "$T/policy.yaml"
  # The testbench's Modbus PLC and probe (modbus-serial) for traffic across the image's bridge,
  # with the peers' shared log and schedule helpers they import.
  install -m 0644 "$HERE/../dist/testbench/plant/peers/modbus-plc.js" "$HERE/../dist/testbench/plant/peers/modbus-probe.js" "$HERE/../dist/testbench/plant/peers/schedule.js" "$T/"
  printf '{ "type": "module" }\n' > "$T/package.json"
  install -d "$T/node_modules"
  cp -a "$HERE/../node_modules/modbus-serial" "$HERE/../node_modules/debug" "$HERE/../node_modules/ms" "$T/node_modules/"
  # The power-cut test's writer, beside the program it imports (test images only).
  install -D -m 0644 "$HERE/../dist/testbench/lib/store-writer.js" "$ROOT/opt/bulkhead/dist/testbench/lib/store-writer.js"
  cat > "$ROOT/etc/systemd/system/bulkhead-boot-test.service" <<UNIT
[Unit]
Description=Bulkhead image boot test (test builds only)
After=bulkhead.service bulkhead-console.service
[Service]
Type=oneshot
# The first boot's checks end writing until the power is cut.
TimeoutStartSec=infinity
ExecStart=/usr/local/lib/bulkhead-boot-test/run
StandardOutput=journal+console
StandardError=journal+console
[Install]
WantedBy=multi-user.target
UNIT
  chroot "$ROOT" systemctl enable --quiet bulkhead-boot-test.service
fi
