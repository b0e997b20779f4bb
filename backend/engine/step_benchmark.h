// Timing of training steps in one process: vanilla fine-tuning against TPGM on the same model
// and batch (tpgm-cli bench train).
#pragma once

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

}  // namespace tpgm
