// SPDX-License-Identifier: GPL-3.0-or-later
// Forking a run: a new run folder that continues another run from one of its checkpoints with
// some settings changed ("what if the radius learning rate had been 0.1 from step 600?").
#pragma once

#include "config/run_config.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tpgm {

// What to fork: the parent run folder, the step (a checkpoints/step-<N>.pt; none: its last.pt),
// the new folder and `key=value` overrides.
struct ForkRequest {
    std::string parent;
    std::optional<int64_t> step;
    std::string run_dir;
    std::vector<std::string> overrides;
    bool overwrite = false;
};

// Parses "RUN" or "RUN@STEP"; throws ConfigError for a step that is not a whole number.
ForkRequest parse_fork_spec(const std::string& spec);

// Whether a fork may change `key`: training settings (optimiser, schedule, method, TPGM's
// settings, seed, cadence, epochs) yes; what the checkpoint's weights depend on (model,
// checkpoint, data, image size and normalisation, batch size, freeze_bn) no.
bool changeable_in_fork(const std::string& key);
// Whether changing `key` makes the fork start its method's state (TPGM's radii and their Adam
// moments, the optimiser's moments) anew from the parent's weights: method, tpgm.norm,
// tpgm.exclude, tpgm.post_hoc, lpft.probe_epochs.
bool resets_method_state(const std::string& key);

// Writes run_dir as a resumable copy of the parent at the step: its checkpoint as last.pt, its
// metrics and radii (the resumed trainer drops what lies after the step), the parent's config
// with the overrides, and fork.json naming the parent, the step and the changes. Returns the
// config to run (resume=true). Throws ConfigError naming a key that may not change, a missing
// step (with the steps there are) or a run_dir that holds a run (unless overwrite).
RunConfig prepare_fork(const ForkRequest& request);

}  // namespace tpgm
