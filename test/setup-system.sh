#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the tests use to check Cohabit's output with the real tools:
# nix-bin (nix-instantiate parses and evaluates every generated Nix file), grub-common
# (grub-script-check), libvirt-clients and libxml2-utils (virt-xml-validate and xmllint),
# polkitd (the polkit DTD the policy is validated against), desktop-file-utils
# (desktop-file-validate), groff-base (groff checks the man page), gdisk and dosfstools, pciutils
# (lspci and pci.ids), chromium for the browser tests, openssh-server and openssh-client (SshHost
# is tested against a real sshd on 127.0.0.1), qemu-system-x86 and debootstrap for the lab guest
# (test/lab), and shellcheck for the remote shell scripts (npm run lint). Needs root.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "test/setup-system.sh installs system packages: run it with sudo." >&2
  exit 1
fi
packages=(shellcheck nix-bin grub-common libvirt-clients libxml2-utils polkitd desktop-file-utils groff-base gdisk dosfstools pciutils chromium openssh-server openssh-client qemu-system-x86 debootstrap)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # The tests start their own sshd on 127.0.0.1 with a throwaway config; installing the package
  # must not leave a new SSH server listening on this machine. policy-rc.d (exit 101) keeps
  # Debian's maintainer scripts from starting services during this install.
  policy=/usr/sbin/policy-rc.d
  placed_policy=no
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    placed_policy=yes
  fi
  apt-get install -y -q --no-install-recommends "${missing[@]}" || status=$?
  [ "$placed_policy" = yes ] && rm -f "$policy"
  [ "${status:-0}" -eq 0 ] || exit "$status"
  if printf '%s\n' "${missing[@]}" | grep -qx openssh-server && command -v systemctl >/dev/null; then
    systemctl disable ssh.service ssh.socket >/dev/null 2>&1 || true
    echo "openssh-server was installed for the tests only; its service is left disabled."
  fi
fi
