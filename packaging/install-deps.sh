#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the Debian 12 packages TPGM Workbench needs, skipping those already present.
# Used by README's two commands and by .ci/run; safe to run repeatedly. Arguments name extra
# packages to install the same way.
set -euo pipefail

# Build tools and libraries (one line per concern, see docs/ARCHITECTURE.md).
packages=(
  cmake g++ ninja-build ccache pkg-config
  libtorch-dev libopenblas0-pthread     # LibTorch 1.13; OpenBLAS is ~13x faster than the reference BLAS
  libgloo-dev                           # headers of c10d's Gloo backend (data-parallel training)
  qt6-base-dev libqcustomplot-dev libqcustomplot2.1-qt6 libgl-dev
  libopencv-dev libspdlog-dev libfmt-dev
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev zlib1g-dev
  dataset-fashion-mnist                 # real images for the embedded demo
  xvfb xauth                            # window tests and screenshots without a display
  desktop-file-utils                    # the package test validates the desktop entry
  python3-protobuf                      # the TensorBoard test's independent event-file reader
  python3-torch python3-torchvision     # torchvision's segmentation logits, the models test's reference
)

packages+=("$@")  # extra packages a caller needs (packaging/package.sh: help2man, lintian)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "packaging/install-deps.sh: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
