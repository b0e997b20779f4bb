// SPDX-License-Identifier: GPL-3.0-or-later
// WiSE-FT (Wortsman et al., CVPR 2022): fine-tune as vanilla FT, then move to
//   theta = (1 - a) * theta_pre + a * theta_ft
// over every pre-trained tensor, parameters and BatchNorm statistics alike; the new head has no
// pre-trained value and stays fine-tuned (the paper's rule for a freshly initialised head). With
// wise.sweep the trainer scores a = 0, 0.1, ..., 1 first; the final model is at wise.alpha.
#include "methods/method.h"

#include <torch/torch.h>

namespace tpgm {
namespace {

constexpr int kSweepIntervals = 10;  // a = 0, 0.1, ..., 1

class WiseFt final : public Method {
  public:
    explicit WiseFt(MethodContext ctx) : Method(std::move(ctx)) {
        // At construction the model holds the pre-trained weights and the new head.
        const std::string head = ctx_.model->head_prefix();
        auto keep = [&](const std::string& name, const torch::Tensor& t) {
            if (name.rfind(head, 0) != 0 && t.is_floating_point())
                tensors_.push_back({t, t.detach().clone(), {}});
        };
        for (const auto& p : ctx_.model->named_parameters()) keep(p.key(), p.value());
        for (const auto& b : ctx_.model->named_buffers()) keep(b.key(), b.value());
    }

    std::string name() const override { return "wise"; }

    std::vector<double> path_points() const override {
        if (!ctx_.config->wise.sweep) return {};
        std::vector<double> points;
        for (int i = 0; i <= kSweepIntervals; ++i)
            points.push_back(static_cast<double>(i) / kSweepIntervals);
        return points;
    }

    void move_along_path(double a) override {
        torch::NoGradGuard no_grad;
        for (auto& t : tensors_) {
            if (!t.finetuned.defined()) t.finetuned = t.live.detach().clone();
            t.live.copy_(torch::lerp(t.pretrained, t.finetuned, a));  // exact at a = 0 and 1
        }
    }

    double final_path_point() const override { return ctx_.config->wise.alpha; }
    void on_training_end() override { move_along_path(final_path_point()); }

  private:
    struct Interpolated {
        torch::Tensor live;  // the model's own tensor, overwritten
        torch::Tensor pretrained, finetuned;
    };
    std::vector<Interpolated> tensors_;
};

}  // namespace

std::unique_ptr<Method> make_wise(MethodContext ctx) {
    return std::make_unique<WiseFt>(std::move(ctx));
}

}  // namespace tpgm
