// SPDX-License-Identifier: GPL-3.0-or-later
// Timing of training steps in one process: vanilla fine-tuning against TPGM on the same model
// and batch (tpgm-cli bench train).
#pragma once

#include "data/image_set.h"

#include <optional>
#include <string>

namespace tpgm {

// What to time.
struct StepBenchOptions {
    std::string model = "resnet18";
    int image_size = 64;
    int batch = 32;
    int windows = 3;  // timed windows of `window_steps` steps; medians over windows
    int window_steps = 10;
    int threads = 0;  // 0: all cores
    std::string norm = "mars";
    std::string device = "auto";
};

// Seconds per step (medians over windows) and derived costs.
struct StepBenchResult {
    double vanilla = 0;      // SGD step: forward, backward, update
    double floor = 0;        // one extra forward+backward on a projection batch in eval mode
    double tpgm_freq1 = 0;   // TPGM, radius update every step
    double tpgm_freq10 = 0;  // TPGM, radius update every 10th step, apply-only otherwise
    double apply_only = 0;   // one apply-only projection
    double update_work = 0;  // a radius update's own work, its forward/backward left out
    int constrained = 0;     // number of constrained tensors
    double images_per_sec_vanilla = 0;
    double images_per_sec_eval = 0;  // evaluation: forward in eval mode without gradients
    std::string device;
    bool cuda = false;
    double buffers_mb = 0;   // TPGM's own buffers per method: W0 and D (flat W replaces storage)
    double peak_rss_mb = 0;  // the process's peak resident set (VmHWM) at the end; 0: unknown
    std::string row_loops;   // what ran the projection: CPU row loops (avx2 | baseline), tensor ops
    // One copy of the constrained weights (read + write of W's bytes) right after a training
    // step: the memory floor of a pass over them. An apply-only projection reads W and W0 and
    // writes W, about 1.5 copies; a radius update makes about 4.5.
    double weight_copy = 0;
};

StepBenchResult run_step_benchmark(const StepBenchOptions& options);

// The process's peak resident set (MiB) after `window_steps` training steps of options.model:
// vanilla SGD steps, or the same with TPGM at proj_freq 1 set up as the trainer does (anchors
// cloned, then re-seated into the projector's buffers). One kind per process: the peak is the
// process's, so `tpgm-cli bench train --peak-memory vanilla` and `... tpgm` are two runs.
double step_peak_rss_mb(const StepBenchOptions& options, bool tpgm);

// The public Python TPGM reference (tpgm_trainer) timed by this project for the same model,
// input size, batch and device kind, when known.
struct ReferenceFigure {
    double tpgm_freq1 = 0;  // seconds per TPGM step at proj_freq 1
    double apply_only = 0;  // seconds per apply-only projection
    std::string where;      // machine and setting it was measured on
};
std::optional<ReferenceFigure> python_reference(const StepBenchOptions& options, bool cuda);

// A vanilla training loop fed by the streaming loader: how long each step waited for its batch.
struct FedStepResult {
    int steps = 0;
    double step_seconds = 0;       // median wall time of a step, waiting included
    double wait_seconds = 0;       // median time a step waited for its batch
    double wait_fraction = 0;      // total waiting / total wall time
    double images_per_second = 0;  // images trained per second of wall time
};
// Trains options.model for `steps` steps on batches of `set` (training augmentation, ImageNet
// normalisation) drawn through a BatchStream with `threads` loader threads.
FedStepResult run_fed_steps(const StepBenchOptions& options, const ImageSetPtr& set, int threads,
                            int steps);

}  // namespace tpgm
