// SPDX-License-Identifier: GPL-3.0-or-later
// TPGM's projection and radius learner written per tensor with plain tensor ops, the way the
// engine computed it before its flat multi-tensor path: the reference the flat path must equal.
// P(W) = W0 + clamp(g / (n + eps), 0, 1) * (W - W0), one radius g per tensor, n per row (MARS) or
// per tensor (L2); dL/dg = sum over rows of <dL/dP_r, D_r> * 1[0 <= g/(n_r+eps) <= 1] / (n_r+eps).
#pragma once

#include "methods/tpgm_projector.h"

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <vector>

namespace tpgm::test {

class ReferenceProjector {
  public:
    ReferenceProjector(std::vector<ConstrainedTensor> tensors, NormMode mode, double proj_lr)
        : tensors_(std::move(tensors)), mode_(mode) {
        radii_ = torch::zeros({static_cast<int64_t>(tensors_.size())},
                              tensors_.front().weight.options().requires_grad(false))
                     .requires_grad_(true);
        adam_ = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{radii_},
                                                     torch::optim::AdamOptions(proj_lr));
    }

    void apply() {
        measure();
        clip();
        write();
    }

    void update(int iters, const std::function<void()>& forward_backward) {
        measure();
        for (int it = 0; it < iters; ++it) {
            clip();
            write();
            forward_backward();
            auto grad = radius_gradient();
            adam_->zero_grad();
            radii_.mutable_grad() = grad;
            adam_->step();
        }
        clip();
        write();
    }

    torch::Tensor radius_gradient() const {
        torch::NoGradGuard no_grad;
        std::vector<torch::Tensor> grads;
        for (std::size_t i = 0; i < tensors_.size(); ++i) {
            const auto& g = tensors_[i].weight.grad();
            if (!g.defined()) {
                grads.push_back(torch::zeros({}, radii_.options()));
                continue;
            }
            auto dot = (rows(g) * delta_[i]).sum(1, true);
            auto ratio = radii_[static_cast<int64_t>(i)] / (norm_[i] + TpgmProjector::kEps);
            auto inside = (ratio >= 0).logical_and(ratio <= 1).to(dot.dtype());
            grads.push_back((dot * inside / (norm_[i] + TpgmProjector::kEps)).sum());
        }
        return torch::stack(grads);
    }

    torch::Tensor radii() const { return radii_.detach().to(torch::kDouble); }
    void set_radii(const torch::Tensor& g) {
        torch::NoGradGuard no_grad;
        radii_.copy_(g);
        initialised_ = true;
    }

  private:
    torch::Tensor rows(const torch::Tensor& t) const {
        return t.reshape({mode_ == NormMode::Mars && t.dim() > 0 ? t.size(0) : 1, -1});
    }
    void measure() {
        torch::NoGradGuard no_grad;
        delta_.clear();
        norm_.clear();
        std::vector<torch::Tensor> max_norms, half_min;
        for (const auto& t : tensors_) {
            delta_.push_back(rows(t.weight) - rows(t.anchor));
            norm_.push_back(mode_ == NormMode::Mars ? delta_.back().abs().sum(1, true)
                                                    : delta_.back().norm(2, {1}, true));
            max_norms.push_back(norm_.back().max());
            half_min.push_back(norm_.back().min() / 2);
        }
        max_norm_ = torch::stack(max_norms);
        if (!initialised_) radii_.detach().copy_(torch::stack(half_min));
        initialised_ = true;
    }
    void clip() {
        torch::NoGradGuard no_grad;
        radii_.clamp_min_(TpgmProjector::kMinRadius);
        radii_.copy_(torch::minimum(radii_, max_norm_));
    }
    void write() {
        torch::NoGradGuard no_grad;
        for (std::size_t i = 0; i < tensors_.size(); ++i) {
            auto s = (radii_[static_cast<int64_t>(i)] / (norm_[i] + TpgmProjector::kEps))
                         .clamp(0.0, 1.0);
            tensors_[i].weight.copy_(
                (rows(tensors_[i].anchor) + s * delta_[i]).view_as(tensors_[i].weight));
        }
    }

    std::vector<ConstrainedTensor> tensors_;
    NormMode mode_;
    std::vector<torch::Tensor> delta_, norm_;
    torch::Tensor max_norm_, radii_;
    std::unique_ptr<torch::optim::Adam> adam_;
    bool initialised_ = false;
};

}  // namespace tpgm::test
