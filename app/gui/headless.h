// SPDX-License-Identifier: GPL-3.0-or-later
// The demo without a window: the same engine run, reported on the console.
#pragma once

#include "config/run_config.h"

// Runs `config` on this thread with progress lines on stderr and the final accuracy table on
// stdout; returns the process exit code (0 when the run completed).
int run_headless(const tpgm::RunConfig& config);
