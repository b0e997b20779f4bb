#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the Debian package: build/release/tpgm-workbench_<version>_<arch>.deb, then lists its
# files and runs lintian on it (help2man and lintian are installed if missing).
# Install it with: sudo apt install ./build/release/tpgm-workbench_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/build.sh
bash packaging/install-deps.sh help2man lintian  # man pages, and the package check below
# A changelog for the package's doc folder (Debian policy wants one in every binary package).
version=$(sed -n 's/^project(TpgmWorkbench VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
mkdir -p build/release/package
printf 'tpgm-workbench (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- %s  %s\n' \
  "$version" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  "TPGM Workbench maintainers <maintainers@users.noreply.r-seed-bc9ed205.example>" \
  "$(date -R)" | gzip -9n > build/release/package/changelog.gz
# Manual pages from the programs' own --help (help2man), so they never drift from the options.
mkdir -p build/release/package/man
help2man --no-info --help-option=--help-all --version-string "$version" \
  --name "robust fine-tuning of pre-trained vision models (command line)" \
  build/release/bin/tpgm-cli | gzip -9n > build/release/package/man/tpgm-cli.1.gz
QT_QPA_PLATFORM=offscreen help2man --no-info --no-discard-stderr --version-string "$version" \
  --name "robust fine-tuning workbench for pre-trained vision models (window)" \
  build/release/bin/tpgm-workbench | gzip -9n > build/release/package/man/tpgm-workbench.1.gz
(cd build/release && cpack -G DEB)
deb=$(ls -t build/release/tpgm-workbench_*.deb | head -1)
echo "package: $deb"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'
dpkg-deb --contents "$deb"
lintian --tag-display-limit 0 "$deb"  # fails on errors
