// SPDX-License-Identifier: GPL-3.0-or-later
// L2-SP (Li, Grandvalet and Davoine, ICML 2018): fine-tuning with the penalty
//   alpha/2 * ||w - w0||^2 over the pre-trained weights + beta/2 * ||w||^2 over the new head,
// added to the loss. It enters as its gradient, alpha * (w - w0) and beta * w, added to the
// parameters' gradients before the optimiser step: the same update as backpropagating the
// penalty, without a graph over every weight. The logged loss is the data loss alone.
#include "methods/method.h"

#include <torch/torch.h>

#include <map>

namespace tpgm {
namespace {

class L2sp final : public Method {
  public:
    explicit L2sp(MethodContext ctx) : Method(std::move(ctx)), cfg_(ctx_.config->l2sp) {
        const std::map<std::string, torch::Tensor> anchors(ctx_.anchors.begin(),
                                                           ctx_.anchors.end());
        for (auto& p : ctx_.model->named_parameters()) {
            if (!p.value().requires_grad()) continue;
            auto anchor = anchors.find(p.key());
            if (anchor != anchors.end())
                anchored_.emplace_back(p.value(), anchor->second);
            else
                free_.push_back(p.value());
        }
    }

    std::string name() const override { return "l2sp"; }
    // As in the paper, the SP penalty (and beta on the head) replaces plain weight decay.
    bool weight_decay_applies_to(const std::string&) const override { return false; }

    void before_optimizer_step(int64_t) override {
        torch::NoGradGuard no_grad;
        for (auto& [w, w0] : anchored_)
            if (w.grad().defined()) w.mutable_grad().add_(w - w0, cfg_.alpha);
        for (auto& w : free_)
            if (w.grad().defined()) w.mutable_grad().add_(w, cfg_.beta);
    }

  private:
    L2spConfig cfg_;
    std::vector<std::pair<torch::Tensor, torch::Tensor>> anchored_;  // (w, w0)
    std::vector<torch::Tensor> free_;  // parameters without a pre-trained value (the new head)
};

}  // namespace

std::unique_ptr<Method> make_l2sp(MethodContext ctx) {
    return std::make_unique<L2sp>(std::move(ctx));
}

}  // namespace tpgm
