// SPDX-License-Identifier: GPL-3.0-or-later
// The demo without a window: the CLI's foreground run (app/cli/console.h) of the same engine.
#pragma once

#include "config/run_config.h"

// Runs `config` on this thread as `tpgm-cli finetune` does; returns the process exit code (0
// when the run completed, 2 for an invalid config).
int run_headless(const tpgm::RunConfig& config);
