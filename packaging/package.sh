#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the Debian package: build/release/tpgm-workbench_<version>_<arch>.deb, then lists its
# files and runs lintian on it when lintian is installed (`apt install lintian`).
# Install it with: sudo apt install ./build/release/tpgm-workbench_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/build.sh
# A changelog for the package's doc folder (Debian policy wants one in every binary package).
version=$(sed -n 's/^project(TpgmWorkbench VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
mkdir -p build/release/package
printf 'tpgm-workbench (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- %s  %s\n' \
  "$version" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  "TPGM Workbench maintainers <maintainers@users.noreply.r-seed-bc9ed205.example>" \
  "$(date -R)" | gzip -9n > build/release/package/changelog.gz
(cd build/release && cpack -G DEB)
deb=$(ls -t build/release/tpgm-workbench_*.deb | head -1)
echo "package: $deb"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
dpkg-deb --contents "$deb"
if command -v lintian >/dev/null; then
  lintian --tag-display-limit 0 "$deb" || true
else
  echo "lintian is not installed; skip its check (apt install lintian)"
fi
