// SPDX-License-Identifier: GPL-3.0-or-later
// SPD, selective projection decay (Tian et al., NeurIPS 2024). Per pre-trained tensor, with W
// before and W~ after the optimiser step and g the step's gradient:
//   if <g, W - W0> > 0 (c = -<g, W - W0> < 0):
//     W~ <- W~ - lambda * r * (W~ - W0),  r = clamp((||W~ - W0|| - ||W - W0||) / ||W~ - W0||, 0, 1)
//   else W~ stays (Frobenius norms). The pre-trained tensors get no plain weight decay; tensors
// without a pre-trained value (the new head) keep the optimiser's. The condition is a mask, so
// nothing waits for the device.
#include "methods/method.h"

#include <torch/torch.h>

#include <map>

namespace tpgm {
namespace {

class Spd final : public Method {
  public:
    explicit Spd(MethodContext ctx)
        : Method(std::move(ctx)), lambda_(ctx_.config->spd.weight_decay) {
        const std::map<std::string, torch::Tensor> anchors(ctx_.anchors.begin(),
                                                           ctx_.anchors.end());
        for (auto& p : ctx_.model->named_parameters()) {
            auto anchor = anchors.find(p.key());
            if (anchor != anchors.end() && p.value().requires_grad())
                anchored_.push_back({p.key(), p.value(), anchor->second, {}, {}});
        }
    }

    std::string name() const override { return "spd"; }

    bool weight_decay_applies_to(const std::string& name) const override {
        return std::none_of(anchored_.begin(), anchored_.end(),
                            [&](const Anchored& t) { return t.name == name; });
    }

    // The condition and ||W - W0|| need W and g before the optimiser moves W.
    void before_optimizer_step(int64_t) override {
        torch::NoGradGuard no_grad;
        for (auto& t : anchored_) {
            const auto offset = t.w - t.w0;
            t.before = offset.norm();
            t.away = t.w.grad().defined() ? (t.w.grad() * offset).sum().gt(0).to(offset.dtype())
                                          : torch::zeros({}, offset.options());
        }
    }

    void after_optimizer_step(int64_t) override {
        torch::NoGradGuard no_grad;
        for (auto& t : anchored_) {
            const auto offset = t.w - t.w0;
            const auto after = offset.norm();
            // 0/0 (no move from W0 at all) counts as no growth.
            const auto r = ((after - t.before) / after.clamp_min(1e-30)).clamp(0.0, 1.0);
            t.w.sub_(offset * (r * t.away * lambda_));
        }
    }

  private:
    struct Anchored {
        std::string name;
        torch::Tensor w, w0;
        torch::Tensor before;  // ||W - W0|| before the step
        torch::Tensor away;    // 1 when <g, W - W0> > 0, else 0
    };
    double lambda_;
    std::vector<Anchored> anchored_;
};

}  // namespace

std::unique_ptr<Method> make_spd(MethodContext ctx) {
    return std::make_unique<Spd>(std::move(ctx));
}

}  // namespace tpgm
