#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# README's main command: install what is missing, build, and run TPGM fine-tuning on the
# embedded demo benchmark. The workbench window opens when a display is available; without
# one (or before the window exists) the same job runs headless with a progress bar.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/build.sh
bin=build/release/bin
if [ -x "$bin/tpgm-workbench" ]; then
  exec "$bin/tpgm-workbench" --config resources/configs/demo.yaml "$@"
fi
exec "$bin/tpgm-cli" finetune --config resources/configs/demo.yaml "$@"
