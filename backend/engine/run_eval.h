// SPDX-License-Identifier: GPL-3.0-or-later
// What `tpgm-cli eval` and the window's corruption heat map compute: a checkpoint's accuracy on
// the ID and OOD sets and, when asked, its corruption x severity matrix (with ImageNet-C's
// corruption errors against a baseline run). Torch-free: the UI includes it.
#pragma once

#include "config/run_config.h"
#include "runs/events.h"
#include "runs/run_files.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tpgm {

class RunControl;

// The corruption part of an evaluation.
struct CorruptionRequest {
    std::vector<std::string> corruptions;  // ImageNet-C names; empty: no matrix
    std::vector<int> severities{1, 2, 3, 4, 5};
    int64_t images = 1000;  // ID test images the matrix corrupts (0: all)
    std::string baseline;   // run folder for CE and mCE; "" for none
};

// "benchmark" (the 15 of mCE), "all" (19) or comma-separated ImageNet-C names; throws
// std::invalid_argument naming an unknown one.
std::vector<std::string> corruption_names(const std::string& spec);

// The corruption matrix of `checkpoint` on the ID test images of `config` (and its corruption
// errors against `request.baseline`'s best checkpoint). A stop request of `control` ends it
// after the current cell (StopRequested).
CorruptionReport evaluate_corruption_report(const RunConfig& config, const std::string& checkpoint,
                                            const CorruptionRequest& request, EventSink& sink,
                                            const RunControl& control);

// `tpgm-cli eval --run DIR`: the run's best checkpoint on the run's own data, then its
// corruption matrix when asked; the report also replaces DIR/eval.json. `control` is polled
// between sets and cells, as training polls it between steps: a stop request ends it with
// StopRequested and DIR/eval.json untouched.
EvalReport evaluate_run(const std::string& dir, const CorruptionRequest& request, EventSink& sink,
                        const RunControl& control);

}  // namespace tpgm
