#!/usr/bin/env bash
# Builds the lab guest (Debian 12 with its kernel, OpenZFS from contrib via zfs-dkms, sshd) and
# caches kernel, initrd, root image and SSH key in ~/.cache/cohabit-lab/<hash of this recipe>/.
# The guest also carries GRUB for BIOS (grub-pc-bin, grub2-common: the boot proof installs it on a
# disk of its own from inside the guest, where partitions have device nodes) and zfs-initramfs (the
# second system's initramfs mounts its root from the pool).
# Prints that directory on the last line of stdout. A second run with the same recipe reuses it.
# Needs root (debootstrap, chroot) and: debootstrap, e2fsprogs (mkfs.ext4 -d), ssh-keygen.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
recipe_hash=$(cat "$here/build-image.sh" | sha256sum | cut -c1-16)
cache_root=${COHABIT_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cohabit-lab}
out="$cache_root/$recipe_hash"

if [ -f "$out/complete" ]; then
  echo "lab image: reusing $out" >&2
  echo "$out"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "build-image.sh needs root (debootstrap and chroot): run it with sudo." >&2
  exit 1
fi
for tool in debootstrap mkfs.ext4 ssh-keygen chroot; do
  command -v "$tool" >/dev/null || { echo "build-image.sh: $tool is missing (apt-get install debootstrap e2fsprogs openssh-client)" >&2; exit 1; }
done

# The machine's own Debian mirror: the first non-security URI of a deb822 .sources file, else
# the first `deb` line of sources.list, else deb.debian.org.
mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  mirror=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
  [ -n "$mirror" ] && break
done
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { print $i; exit } }' /etc/apt/sources.list)
fi
mirror=${mirror:-http://deb.debian.org/debian}
echo "lab image: building into $out from $mirror" >&2

start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/cohabit-lab-build.XXXXXX")
root="$work/root"
cleanup() {
  for m in dev/pts dev proc sys; do mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"; done
  rm -rf "$work"
}
trap cleanup EXIT

debootstrap --variant=minbase --components=main,contrib \
  --include=systemd-sysv,udev,openssh-server,pciutils,usbutils,gdisk,dosfstools,grub-common,kmod,iproute2,procps,ca-certificates,util-linux,e2fsprogs,less,sudo \
  bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -30 "$work/debootstrap.log" >&2
  exit 1
}
echo "lab image: debootstrap took $(($(date +%s) - start)) s" >&2

mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
# Services must not start inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
printf 'deb %s bookworm main contrib\ndeb %s bookworm-updates main contrib\n' "$mirror" "$mirror" >"$root/etc/apt/sources.list"

in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
step=$(date +%s)
in_root apt-get update -q >"$work/apt.log" 2>&1
in_root apt-get install -y -q --no-install-recommends linux-image-amd64 linux-headers-amd64 initramfs-tools >>"$work/apt.log" 2>&1 || {
  tail -30 "$work/apt.log" >&2
  exit 1
}
kver=$(basename "$(ls -d "$root"/lib/modules/*-amd64 | sort -V | tail -1)")
echo "lab image: kernel $kver installed in $(($(date +%s) - step)) s" >&2
step=$(date +%s)
in_root apt-get install -y -q --no-install-recommends zfs-dkms zfsutils-linux zfs-initramfs grub-pc-bin grub2-common >>"$work/apt.log" 2>&1 || {
  tail -30 "$work/apt.log" >&2
  exit 1
}
# The dkms hook builds for the running kernel; the guest's kernel is the installed one.
in_root dkms autoinstall -k "$kver" >>"$work/apt.log" 2>&1 || true
if ! ls "$root/lib/modules/$kver/updates/dkms/zfs.ko"* >/dev/null 2>&1; then
  tail -40 "$work/apt.log" >&2
  echo "lab image: zfs.ko was not built for $kver" >&2
  exit 1
fi
in_root update-initramfs -u -k "$kver" >>"$work/apt.log" 2>&1
echo "lab image: zfs-dkms built in $(($(date +%s) - step)) s" >&2
in_root apt-get clean

# Guest configuration: eth0 by DHCP (net.ifnames=0 on the command line), root over SSH by key only.
echo cohabit-lab >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 cohabit-lab\n' >"$root/etc/hosts"
printf '/dev/vda / ext4 defaults 0 1\n' >"$root/etc/fstab"
mkdir -p "$root/etc/systemd/network"
printf '[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\n' >"$root/etc/systemd/network/eth0.network"
in_root systemctl enable systemd-networkd ssh >/dev/null 2>&1
in_root systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_reap.service systemd-networkd-wait-online.service >/dev/null 2>&1 || true
mkdir -p "$root/etc/ssh/sshd_config.d"
printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n' >"$root/etc/ssh/sshd_config.d/cohabit-lab.conf"
mkdir -p "$work/out"
ssh-keygen -q -t ed25519 -N '' -C cohabit-lab -f "$work/out/id_ed25519"
install -d -m 700 "$root/root/.ssh"
install -m 600 "$work/out/id_ed25519.pub" "$root/root/.ssh/authorized_keys"
# Two non-root logins with the same key, for `sudo -n`: `lab` may run anything as root without a
# password (what a user sets up for Cohabit), `lab-nopw` is in the sudo group but sudo asks it for a
# password it does not have. '*' is "no password", not a locked account that sshd would refuse.
# Their homes are not under /home, which the lab's pool mounts a dataset over.
mkdir -p "$root/srv/lab-users"
for user in lab lab-nopw; do
  in_root useradd -m -d "/srv/lab-users/$user" -s /bin/bash -p '*' "$user"
  install -d -m 700 -o "$(in_root id -u "$user")" -g "$(in_root id -g "$user")" "$root/srv/lab-users/$user/.ssh"
  install -m 600 -o "$(in_root id -u "$user")" -g "$(in_root id -g "$user")" "$work/out/id_ed25519.pub" "$root/srv/lab-users/$user/.ssh/authorized_keys"
done
in_root usermod -a -G sudo lab-nopw
printf 'lab ALL=(ALL:ALL) NOPASSWD: ALL\n' >"$root/etc/sudoers.d/cohabit-lab"
chmod 440 "$root/etc/sudoers.d/cohabit-lab"
rm -f "$root/usr/sbin/policy-rc.d"

cp "$root/boot/vmlinuz-$kver" "$work/out/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$work/out/initrd.img"
echo "$kver" >"$work/out/kernel-version"
for m in dev/pts dev proc sys; do umount -l "$root/$m"; done
# mkfs.ext4 -d fills the filesystem from the directory: no loop device, no mount.
mkfs.ext4 -q -F -L lab-root -d "$root" "$work/out/root.raw" 4G

mkdir -p "$cache_root"
rm -rf "$out"
mv "$work/out" "$out"
echo "built in $(($(date +%s) - start)) s on $(nproc) cores" >"$out/complete"
echo "lab image: $(cat "$out/complete")" >&2
echo "$out"
