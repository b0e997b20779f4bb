#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the package built by packaging/package.sh into a clean Debian 12 root (debootstrap,
# from the Debian archive) and runs the installed programs there: `tpgm-cli --help`, then the
# headless demo from the installed config. Needs root and debootstrap; takes minutes.
# Usage: sudo bash packaging/check-install.sh [ROOT]   (ROOT defaults to a temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(ls -t build/release/tpgm-workbench_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "no package: run packaging/package.sh first" >&2; exit 1; }
root=${1:-$(mktemp -d /tmp/tpgm-clean-root.XXXXXX)}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [ ! -x "$root/usr/bin/apt-get" ]; then
  debootstrap --variant=minbase bookworm "$root" "$mirror"
fi
cp "$deb" "$root/tmp/"
mount -t proc proc "$root/proc"
trap 'umount "$root/proc"' EXIT
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "/tmp/$(basename "$deb")"
in_root tpgm-cli --help | head -3
in_root desktop-file-validate /usr/share/applications/tpgm-workbench.desktop 2>/dev/null ||
  echo "(desktop-file-validate is not in the clean root; the test suite validates the entry)"
cd "$root/tmp"
in_root sh -c 'cd /tmp && tpgm-cli finetune -c /usr/share/tpgm-workbench/configs/demo.yaml \
  --set run_dir=/tmp/demo-run --set threads=2' | tail -20
echo "check-install: the package installed and ran in $root"
