#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# README's test command: install what is missing, build, run every Qt Test suite with CTest,
# once per CPU test preset: TPGM's row loops and ATen's kernels as dispatched for this CPU and in
# their baseline builds, each with OMP_NUM_THREADS=1 and 2, so that the paths an other CPU would
# take run here too (CMakePresets.json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/build.sh
for preset in cpu-default-2t cpu-default-1t cpu-baseline-2t cpu-baseline-1t; do
    echo "== ctest --preset $preset"
    ctest --preset "$preset"
done
