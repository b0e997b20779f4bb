// SPDX-License-Identifier: GPL-3.0-or-later
#include "models/sync_batch_norm.h"

#include <torch/torch.h>

namespace tpgm {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Sum over processes whose backward pass sums the gradients too: every process's loss depends on
// every process's statistics. Each side is weighted by its share of the batch, as the trainer
// weights the parameter gradients (images here / images in all).
struct SumOverProcesses : torch::autograd::Function<SumOverProcesses> {
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& local, ProcessSum* sum,
                                 double images) {
        // The ProcessSum is owned by the module, which outlives the backward pass.
        ctx->saved_data["sum"] = reinterpret_cast<int64_t>(sum);
        ctx->saved_data["images"] = images;
        return sum->sum(local.detach().clone());
    }
    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        auto* sum = reinterpret_cast<ProcessSum*>(ctx->saved_data["sum"].toInt());
        const double images = std::max(1.0, ctx->saved_data["images"].toDouble());
        return {sum->sum(grads[0] * images) / images, torch::Tensor(), torch::Tensor()};
    }
};

}  // namespace

SyncableBatchNorm2dImpl::SyncableBatchNorm2dImpl(int64_t features, double eps, double momentum)
    : features_(features), eps_(eps), momentum_(momentum) {
    reset();
}

void SyncableBatchNorm2dImpl::reset() {
    weight = register_parameter("weight", torch::ones({features_}));
    bias = register_parameter("bias", torch::zeros({features_}));
    running_mean = register_buffer("running_mean", torch::zeros({features_}));
    running_var = register_buffer("running_var", torch::ones({features_}));
    num_batches_tracked = register_buffer("num_batches_tracked", torch::zeros({}, torch::kInt64));
}

void SyncableBatchNorm2dImpl::pretty_print(std::ostream& stream) const {
    stream << "SyncableBatchNorm2d(" << features_ << ", eps=" << eps_ << ", momentum=" << momentum_
           << (sum_ ? ", synchronised" : "") << ")";
}

torch::Tensor SyncableBatchNorm2dImpl::forward(const torch::Tensor& input) {
    TORCH_CHECK(input.dim() == 4, "SyncableBatchNorm2d: expected a 4-D input, got ", input.dim(),
                "-D");
    if (is_training()) num_batches_tracked.add_(1);
    if (!sum_ || !is_training())
        return torch::batch_norm(input, weight, bias, running_mean, running_var, is_training(),
                                 momentum_, eps_, /*cudnn_enabled=*/true);
    const int64_t c = input.size(1);
    const double count = static_cast<double>(input.numel() / std::max<int64_t>(c, 1));
    const double images = static_cast<double>(input.size(0));
    const std::vector<int64_t> dims{0, 2, 3}, shape{1, c, 1, 1};
    // Two passes, as LibTorch's batch norm computes them (E[x^2] - E[x]^2 cancels badly after a
    // ReLU): the mean over all processes, then the variance around it; sums in double.
    const auto sums = SumOverProcesses::apply(
        torch::cat({input.sum(dims, false, torch::kDouble),
                    torch::full({1}, count, input.options().dtype(torch::kDouble))}),
        sum_.get(), images);
    const auto n = sums[c].detach();
    const auto mean = sums.narrow(0, 0, c) / n;
    const auto centred = input - mean.to(input.dtype()).view(shape);
    const auto var = SumOverProcesses::apply(centred.square().sum(dims, false, torch::kDouble),
                                             sum_.get(), images) /
                     n;
    {
        torch::NoGradGuard no_grad;
        running_mean.mul_(1 - momentum_).add_(mean.to(running_mean.dtype()), momentum_);
        running_var.mul_(1 - momentum_)
            .add_((var * n / (n - 1).clamp_min(1)).to(running_var.dtype()), momentum_);
    }
    const auto scale = (var + eps_).rsqrt().to(input.dtype());
    return centred * (scale * weight).view(shape) + bias.view(shape);
}

bool is_batch_norm(torch::nn::Module& m) {
    return m.as<SyncableBatchNorm2d>() != nullptr || m.as<torch::nn::BatchNorm2d>() != nullptr;
}

}  // namespace tpgm
