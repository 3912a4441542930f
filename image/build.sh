#!/usr/bin/env bash
# Builds a bootable disk image of the Bulkhead appliance from Debian 12's packages:
#   - UEFI boot with systemd-boot (no boot loader to install: the firmware finds EFI/BOOT),
#   - a read-only root filesystem (the program, /etc and its configuration),
#   - a persistent /var partition (the database, the journal, systemd's state), ext4 with a
#     journal, which a power cut cannot leave inconsistent, checked at every boot,
#   - serial console (the console's one-time setup token is printed there on first boot),
#   - Bulkhead installed by appliance/install.sh, as on any Debian 12 box.
# Run as root on a Debian 12 machine of the image's architecture (Node.js 20 is taken from this
# machine: Debian 12 ships 18). Reproducible: the same commit, Debian packages and Node.js give
# the same image bit for bit (timestamps clamped to the last commit, SOURCE_DATE_EPOCH, in the
# initramfs and both filesystems; fixed identifiers and hash seeds); its SHA-256 is printed.
#
#   image/build.sh [--out DIR] [--config FILE] [--var-size MIB] [--root-password-hash HASH] [--boot-test]
#
#   --out DIR       where bulkhead.img (raw GPT disk) goes (default image/out)
#   --config FILE   the appliance configuration baked in (default appliance/bulkhead.yaml)
#   --var-size MIB  the persistent partition (default 1024)
#   --root-password-hash HASH   a crypt(3) hash for root on the serial console (default: locked)
#   --boot-test     add the in-guest checks image/boot-test.ts reads from the serial console
set -euo pipefail

die() { echo "image: $*" >&2; exit 1; }
say() { echo "image: $*"; }

SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT="$SRC/image/out"
CONFIG="$SRC/appliance/bulkhead.yaml"
VAR_MIB=1024
ROOT_HASH=
BOOT_TEST=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$(realpath -m "${2:?}"); shift 2 ;;
    --config) CONFIG=$(realpath "${2:?}"); shift 2 ;;
    --var-size) VAR_MIB=${2:?}; shift 2 ;;
    --root-password-hash) ROOT_HASH=${2:?}; shift 2 ;;
    --boot-test) BOOT_TEST=1; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) die "unknown option '$1'" ;;
  esac
done

[ "$(id -u)" = 0 ] || die "run as root (the root filesystem keeps its owners)"
for tool in mmdebstrap mkfs.ext4 mkfs.vfat mcopy sfdisk node; do command -v $tool >/dev/null || die "$tool is missing: apt-get install mmdebstrap e2fsprogs dosfstools mtools fdisk (and Node.js 20)"; done
ARCH=$(dpkg --print-architecture)
case "$ARCH" in
  amd64) EFI_NAME=BOOTX64.EFI; EFI_LOADER=systemd-bootx64.efi; ROOT_TYPE=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709; SERIAL=ttyS0 ;;
  arm64) EFI_NAME=BOOTAA64.EFI; EFI_LOADER=systemd-bootaa64.efi; ROOT_TYPE=B921B045-1DF0-41C3-AF44-4C6F280D3FAE; SERIAL=ttyAMA0 ;;
  *) die "amd64 or arm64 only, this is $ARCH" ;;
esac
if [ -x "$SRC/dist/src/cli.js" ]; then node "$SRC/dist/src/cli.js" config check "$CONFIG" >/dev/null || die "fix $CONFIG first"; fi

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$SRC" log -1 --format=%ct 2>/dev/null || date +%s)}
# Fixed identifiers: the same inputs give the same partition table and boot entry.
ESP_UUID=5b2a1c1e-0b0a-4d8e-9b6f-62756c6b6561
ROOT_UUID=5b2a1c1e-0b0a-4d8e-9b6f-62756c6b6562
VAR_UUID=5b2a1c1e-0b0a-4d8e-9b6f-62756c6b6563
DISK_UUID=5b2a1c1e-0b0a-4d8e-9b6f-62756c6b6500

WORK="$OUT/work"
# An interrupted build can leave /proc and /sys mounted inside: never delete through a mount.
! grep -q " $WORK/" /proc/mounts || die "$WORK still has mounts from an interrupted build: umount them first (grep $WORK /proc/mounts)"
rm -rf --one-file-system "$WORK"
mkdir -p "$WORK" "$OUT"
started=$(date +%s)

# This machine's Debian sources (deb822 or one-line), else mmdebstrap's default mirror.
SOURCES=
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do [ -s "$f" ] && { SOURCES=$f; break; }; done

hooks=(
  --customize-hook="install -m 0755 $(realpath "$(command -v node)") \"\$1/usr/local/bin/node\""
  --customize-hook="\"$SRC/appliance/install.sh\" --root \"\$1\" --config \"$CONFIG\" --network"
  # Run twice: the second run must succeed and leave the same installation.
  --customize-hook="\"$SRC/appliance/install.sh\" --root \"\$1\" --config \"$CONFIG\" --network > \"$OUT/install-second-run.log\""
  --customize-hook="\"$SRC/image/customize.sh\" \"\$1\" $SERIAL $BOOT_TEST '$ROOT_HASH' $ROOT_UUID $VAR_UUID"
)
say "debootstrapping Debian 12 ($ARCH) with Bulkhead"
PACKAGES=systemd,systemd-sysv,udev,kmod,dbus,linux-image-$ARCH,systemd-boot-efi,e2fsprogs,nftables,iptables,libnetfilter-queue1,libpcap0.8,iproute2,procps,systemd-timesyncd,ca-certificates,libstdc++6
if [ -n "$SOURCES" ]; then
  mmdebstrap --variant=minbase --quiet --include="$PACKAGES" "${hooks[@]}" bookworm "$WORK/root" - < "$SOURCES"
else
  mmdebstrap --variant=minbase --quiet --include="$PACKAGES" "${hooks[@]}" bookworm "$WORK/root"
fi

# The EFI system partition: systemd-boot as the fallback loader, the kernel, its initramfs.
KERNEL=$(ls "$WORK/root/boot"/vmlinuz-* | sort -V | tail -1)
INITRD="$WORK/root/boot/initrd.img-${KERNEL##*/vmlinuz-}"
[ -f "$INITRD" ] || die "no initramfs for $(basename "$KERNEL")"
ESP_MIB=128
mkfs.vfat --invariant -C -n BULKHEAD -i 5b2a1c1e "$WORK/esp.img" $((ESP_MIB * 1024)) >/dev/null
mmd -i "$WORK/esp.img" ::/EFI ::/EFI/BOOT ::/loader ::/loader/entries
mcopy -i "$WORK/esp.img" "$WORK/root/usr/lib/systemd/boot/efi/$EFI_LOADER" "::/EFI/BOOT/$EFI_NAME"
mcopy -i "$WORK/esp.img" "$KERNEL" ::/vmlinuz
mcopy -i "$WORK/esp.img" "$INITRD" ::/initrd.img
printf 'default bulkhead.conf\ntimeout 0\neditor no\n' > "$WORK/loader.conf"
printf 'title Bulkhead\nlinux /vmlinuz\ninitrd /initrd.img\noptions root=PARTUUID=%s ro rootwait console=tty0 console=%s,115200n8 net.ifnames=0 panic=10\n' "$ROOT_UUID" "$SERIAL" > "$WORK/bulkhead.conf"
mcopy -i "$WORK/esp.img" "$WORK/loader.conf" ::/loader/loader.conf
mcopy -i "$WORK/esp.img" "$WORK/bulkhead.conf" ::/loader/entries/bulkhead.conf

# /var goes to its own partition; the root keeps an empty mount point.
mv "$WORK/root/var" "$WORK/var"
mkdir "$WORK/root/var"
mib() { echo $(( ($(du -sm "$1" | cut -f1) * 115 / 100) + 64 )); }
ROOT_MIB=$(mib "$WORK/root")
[ "$(du -sm "$WORK/var" | cut -f1)" -lt $((VAR_MIB / 2)) ] || die "--var-size $VAR_MIB is too small for $(du -sh "$WORK/var" | cut -f1) of /var"
# Nothing newer than the commit; mke2fs takes the rest of its times from E2FSPROGS_FAKE_TIME,
# but each inode's change and access times from the file it copies, which cannot be set there:
# debugfs writes them into the new filesystem afterwards.
find "$WORK/root" "$WORK/var" -newermt "@$SOURCE_DATE_EPOCH" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
ext4fs() { # IMAGE TREE LABEL UUID MIB
  E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH mkfs.ext4 -q -t ext4 -E root_owner=0:0,hash_seed=5b2a1c1e-0b0a-4d8e-9b6f-62756c6b6599 -L "$3" -U "$4" -d "$2" "$1" "$5M"
  (cd "$2" && find . -printf '%P\n') | awk -v t="@$SOURCE_DATE_EPOCH" '
    /"/ { print "image: cannot set the times of a path with a double quote: " $0 > "/dev/stderr"; exit 1 }
    { printf "sif \"/%s\" ctime %s\nsif \"/%s\" atime %s\n", $0, t, $0, t }' > "$WORK/times.debugfs"
  E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH debugfs -w -f "$WORK/times.debugfs" "$1" >/dev/null 2>"$WORK/times.err"
  ! grep -v '^debugfs ' "$WORK/times.err" | grep -q . || die "setting inode times in $1: $(grep -v '^debugfs ' "$WORK/times.err" | head -n 3)"
}
ext4fs "$WORK/root.img" "$WORK/root" bulkhead-root "$ROOT_UUID" "$ROOT_MIB"
ext4fs "$WORK/var.img" "$WORK/var" bulkhead-var "$VAR_UUID" "$VAR_MIB"

# The disk: GPT, 1 MiB aligned.
IMG="$OUT/bulkhead.img"
TOTAL_MIB=$((1 + ESP_MIB + ROOT_MIB + VAR_MIB + 1))
rm -f "$IMG"
truncate -s "${TOTAL_MIB}M" "$IMG"
sfdisk --quiet "$IMG" <<PARTS
label: gpt
label-id: $DISK_UUID
unit: sectors
start=2048, size=$((ESP_MIB * 2048)), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=$ESP_UUID, name="bulkhead-esp"
size=$((ROOT_MIB * 2048)), type=$ROOT_TYPE, uuid=$ROOT_UUID, name="bulkhead-root"
size=$((VAR_MIB * 2048)), type=4D21B016-B534-45C2-A9FB-5C16E091FD2D, uuid=$VAR_UUID, name="bulkhead-var"
PARTS
dd if="$WORK/esp.img" of="$IMG" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$WORK/root.img" of="$IMG" bs=1M seek=$((1 + ESP_MIB)) conv=notrunc,sparse status=none
dd if="$WORK/var.img" of="$IMG" bs=1M seek=$((1 + ESP_MIB + ROOT_MIB)) conv=notrunc,sparse status=none
rm -rf --one-file-system "$WORK"

size=$(du -m --apparent-size "$IMG" | cut -f1)
used=$(du -m "$IMG" | cut -f1)
compressed=
if command -v zstd >/dev/null; then
  zstd -q -f -T0 -3 "$IMG" -o "$IMG.zst"
  compressed=", $(du -m "$IMG.zst" | cut -f1) MiB as $IMG.zst"
fi
(cd "$OUT" && sha256sum "$(basename "$IMG")" > "$IMG.sha256")
say "built $IMG in $(( $(date +%s) - started )) s: $size MiB disk (ESP $ESP_MIB, root $ROOT_MIB read-only, /var $VAR_MIB), $used MiB written$compressed; SHA-256 $(cut -d' ' -f1 "$IMG.sha256")"
