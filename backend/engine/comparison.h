// SPDX-License-Identifier: GPL-3.0-or-later
// Running a comparison: every entry x seed trained over one base config, then the table
// (runs/comparison_table.h). Torch-free header: the window runs comparisons through it.
#pragma once

#include "config/run_config.h"
#include "runs/comparison_table.h"
#include "runs/events.h"

#include <functional>
#include <string>
#include <vector>

namespace tpgm {

class RunControl;

// One comparison: entries x seeds over one base config (same data, budget and seeds).
struct ComparisonPlan {
    RunConfig base;                    // method, seed, run_dir and resume/overwrite are set per run
    std::vector<std::string> entries;  // "method[@key=value[@...]]", e.g. "tpgm@tpgm.proj_lr=0.01"
    std::vector<int> seeds;
    std::string out;  // parent of the run folders (comparison_folder_name) and compare.md
};
// The config of one run of the plan; throws ConfigError for a bad override.
RunConfig comparison_run_config(const ComparisonPlan& plan, const std::string& entry, int seed);
// Runs every entry x seed in order (replacing earlier runs in their folders), sending each run's
// events to `sink`, then writes <out>/compare.md and returns the table. `on_run` hears of each
// finished run. A run that fails ends the comparison (std::runtime_error naming the entry and
// seed). `control` is every run's RunControl: a stop request stops the current run at its next
// step (or the next run before it starts) and ends the comparison with StopRequested, the runs
// that completed kept in their folders and compare.md not written.
Comparison run_comparison(
    const ComparisonPlan& plan, EventSink& sink, RunControl& control,
    const std::function<void(const std::string& entry, int seed, const RunSummary&)>& on_run = {});

}  // namespace tpgm
