// SPDX-License-Identifier: GPL-3.0-or-later
// Side-by-side comparison of methods over seeds: the table `tpgm-cli compare` prints and the
// window's Compare view shows, built from finished run folders (engine/comparison.h runs them).
#pragma once

#include "runs/events.h"

#include <map>
#include <string>
#include <vector>

namespace tpgm {

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
// out. The baseline is the registry's baseline method ("ft") when it is there, else the first.
Comparison compare_runs(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& entries);
// The run folders under `parent` that `tpgm-cli compare` wrote (<entry>-seed<N>), grouped by
// entry in name order; folders without a seed suffix are entries of their own.
std::vector<std::pair<std::string, std::vector<std::string>>> comparison_folders(
    const std::string& parent);
// A run folder's name for `entry` and `seed`: characters other than letters, digits, '-' and
// '_' become '_'.
std::string comparison_folder_name(const std::string& entry, int seed);
// How tables and plots name an entry: a method's compare variant by its title ("tpgm
// (post-hoc)" for "tpgm@tpgm.post_hoc=true" or its folder's "tpgm_tpgm_post_hoc_true"), else
// the entry itself.
std::string comparison_entry_label(const std::string& entry);
// Whether `entry` is a method's compare variant (config/methods.h), as written or as a folder.
bool is_compare_variant(const std::string& entry);

// Markdown: accuracy columns as "mean ± std" (%), then wall time and extra cost per step.
std::string comparison_markdown(const Comparison& table);

}  // namespace tpgm
