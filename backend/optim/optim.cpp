// SPDX-License-Identifier: GPL-3.0-or-later
#include "optim/optim.h"

#include <torch/torch.h>

#include <cmath>

namespace tpgm {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimConfig& c,
                                                        std::vector<torch::Tensor> params) {
    if (c.name == "adamw") {
        return std::make_unique<torch::optim::AdamW>(
            std::move(params), torch::optim::AdamWOptions(c.lr).weight_decay(c.weight_decay));
    }
    return std::make_unique<torch::optim::SGD>(std::move(params),
                                               torch::optim::SGDOptions(c.lr)
                                                   .momentum(c.momentum)
                                                   .nesterov(c.nesterov)
                                                   .weight_decay(c.weight_decay));
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimConfig& c,
                                                        std::vector<torch::Tensor> decayed,
                                                        std::vector<torch::Tensor> undecayed) {
    if (undecayed.empty()) return make_optimizer(c, std::move(decayed));
    auto optimizer = make_optimizer(c, std::move(decayed));
    if (c.name == "adamw")
        optimizer->add_param_group(
            {std::move(undecayed), std::make_unique<torch::optim::AdamWOptions>(
                                       torch::optim::AdamWOptions(c.lr).weight_decay(0))});
    else
        optimizer->add_param_group(
            {std::move(undecayed),
             std::make_unique<torch::optim::SGDOptions>(torch::optim::SGDOptions(c.lr)
                                                            .momentum(c.momentum)
                                                            .nesterov(c.nesterov)
                                                            .weight_decay(0))});
    return optimizer;
}

double learning_rate_at(const OptimConfig& c, int64_t step, int64_t total_steps) {
    if (step <= c.warmup_steps) return c.lr * static_cast<double>(step) / (c.warmup_steps + 1);
    if (c.schedule == "constant") return c.lr;
    const double span = std::max<int64_t>(1, total_steps - c.warmup_steps);
    const double progress = std::min(1.0, (step - 1 - c.warmup_steps) / span);
    return 0.5 * c.lr * (1.0 + std::cos(M_PI * progress));
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
    for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

}  // namespace tpgm
