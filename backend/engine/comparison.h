// SPDX-License-Identifier: GPL-3.0-or-later
// Side-by-side comparison of methods over seeds: the table `tpgm-cli compare` prints and the
// window's Compare view shows, built from finished run folders. Torch-free: the UI includes it.
#pragma once

#include "config/run_config.h"
#include "engine/events.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tpgm {

class RunControl;

// Mean and sample standard deviation of one figure over seeds.
struct SeedStats {
    double mean = 0, std = 0;
    int n = 0;
};
SeedStats seed_stats(const std::vector<double>& values);

// The median interval between consecutive logged steps: training time per step without the
// evaluation and checkpoint pauses (which fall between few steps). NaN when unknown.
double median_step_seconds(const std::vector<StepEvent>& steps);

// One compared entry (a method, possibly with overrides) over its runs.
struct ComparisonRow {
    std::string entry;                      // e.g. "tpgm" or "tpgm@tpgm.proj_lr=0.01"
    std::vector<std::string> runs;          // its run folders, one per seed
    std::map<std::string, SeedStats> top1;  // set name -> final top-1 in [0, 1]
    SeedStats wall_seconds;                 // whole run, evaluations included
    SeedStats step_seconds;                 // median training step (evaluation pauses left out)
    // step_seconds relative to the baseline row's, minus 1 (0.25: a quarter more per step);
    // NaN for the baseline itself or when there is none.
    double extra_cost = 0;
};

// The table: ID first, then ood_mean and corruption_mean when present, then every set.
struct Comparison {
    std::vector<std::string> columns;
    std::vector<ComparisonRow> rows;
    std::string baseline;  // entry whose step time the others are measured against ("" if none)
};

// Reads every run folder's summary.json and metrics.jsonl; runs that did not complete are left
// out. The baseline is the "ft" entry when there is one, else the first.
Comparison compare_runs(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& entries);
// The run folders under `parent` that `tpgm-cli compare` wrote (<entry>-seed<N>), grouped by
// entry in name order; folders without a seed suffix are entries of their own.
std::vector<std::pair<std::string, std::vector<std::string>>> comparison_folders(
    const std::string& parent);
// A run folder's name for `entry` and `seed`: characters other than letters, digits, '-' and
// '_' become '_'.
std::string comparison_folder_name(const std::string& entry, int seed);
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
// finished run. A run that does not complete ends the comparison (std::runtime_error naming the
// entry and seed); a stop request ends it after the current run's stop.
Comparison run_comparison(
    const ComparisonPlan& plan, EventSink& sink, RunControl& control,
    const std::function<void(const std::string& entry, int seed, const RunSummary&)>& on_run = {});

// Markdown: accuracy columns as "mean ± std" (%), then wall time and extra cost per step.
std::string comparison_markdown(const Comparison& table);

}  // namespace tpgm
