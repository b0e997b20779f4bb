#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# README's test command: install what is missing, build, run every Qt Test suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/build.sh
ctest --preset release
