// SPDX-License-Identifier: GPL-3.0-or-later
// What a fork's folder says about its origin (fork.json): kept in config.yaml's comments and
// read when the fork first starts.
#pragma once

#include "config/run_config.h"
#include "runs/run_paths.h"

#include <string>

namespace tpgm {

// config.yaml's text for `config`: the YAML, after comment lines naming the parent, step and
// changes when the folder is a fork (fork.json), so that they survive every rewrite.
std::string config_file_text(const RunPaths& paths, const RunConfig& config);

// Whether the folder is a fork whose method state starts anew (fork.json's fresh_method_state).
bool fork_resets_method_state(const RunPaths& paths);
// After the fork's first start: later resumes load the fork's own method state again.
void mark_fork_method_state_reset(const RunPaths& paths);

}  // namespace tpgm
