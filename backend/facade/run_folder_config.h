// SPDX-License-Identifier: GPL-3.0-or-later
// A run folder's config for the facade's run readers (RunClassifier, RunSegmenter).
#pragma once

#include "config/run_config.h"

#include <string>

namespace tpgm::facade {

// The config.yaml of run folder `run_dir`; std::runtime_error naming the run when the folder,
// its config or a key of it is missing or wrong (the window and the CLI show them as they are).
RunConfig run_folder_config(const std::string& run_dir);

}  // namespace tpgm::facade
