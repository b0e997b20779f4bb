// SPDX-License-Identifier: GPL-3.0-or-later
// Timing of training steps in one process: vanilla fine-tuning against TPGM on the same model
// and batch (tpgm-cli bench train).
#pragma once

#include "data/image_set.h"

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
    int constrained = 0;     // number of constrained tensors
    double images_per_sec_vanilla = 0;
    std::string device;
};

StepBenchResult run_step_benchmark(const StepBenchOptions& options);

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
