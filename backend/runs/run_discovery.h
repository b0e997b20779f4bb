// SPDX-License-Identifier: GPL-3.0-or-later
// Finding runs and their models in folders: which folders hold runs, of which method, and
// which checkpoint stands for each.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace tpgm {

// The model a run folder stands for: final.pt when the run completed, else last.pt; nullopt
// when it holds neither (yet).
std::optional<std::string> find_best_checkpoint(const std::string& dir);
// As find_best_checkpoint, but throws std::runtime_error naming `dir` when there is none.
std::string best_checkpoint(const std::string& dir);

// The `method` of a run's config.yaml text; "" when the text does not parse.
std::string method_of_config(const std::string& yaml);
// Whether a run's config.yaml text is a segmentation run's (false when it does not parse).
bool segmentation_of_config(const std::string& yaml);
// The run folders directly under `parent` whose config.yaml names `method` (any method when
// empty), sorted by path; none when `parent` does not exist.
std::vector<std::string> find_runs(const std::string& parent, const std::string& method);
// Of find_runs(parent, method), the completed run (one with final.pt) whose final.pt is newest,
// among the segmentation runs or (the default) the classification runs.
std::optional<std::string> newest_finished_run(const std::string& parent, const std::string& method,
                                               bool segmentation = false);

// True when `dir` holds (part of) a run: its config, metrics, summary or a checkpoint.
bool holds_run(const std::string& dir);

}  // namespace tpgm
