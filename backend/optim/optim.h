// SPDX-License-Identifier: GPL-3.0-or-later
// Optimisers and the learning-rate schedule of a run.
#pragma once

#include "config/run_config.h"

#include <torch/optim/optimizer.h>

#include <memory>
#include <vector>

namespace tpgm {

// SGD (momentum, Nesterov, L2 weight decay) or AdamW (decoupled weight decay) at config.lr.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimConfig& config,
                                                        std::vector<torch::Tensor> params);
// The same with `undecayed` in a second parameter group without weight decay (methods that
// regularise those parameters themselves); that group is left out when empty.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimConfig& config,
                                                        std::vector<torch::Tensor> decayed,
                                                        std::vector<torch::Tensor> undecayed);
// Learning rate at 1-based `step` of `total_steps`: linear warm-up, then cosine or constant.
double learning_rate_at(const OptimConfig& config, int64_t step, int64_t total_steps);
// Sets the learning rate of every parameter group.
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

}  // namespace tpgm
