// SPDX-License-Identifier: GPL-3.0-or-later
// SPD, selective projection decay (Tian et al., NeurIPS 2024). Per pre-trained tensor, with W
// before and W~ after the optimiser step and g the step's gradient:
//   if <g, W - W0> > 0 (c = -<g, W - W0> < 0):
//     W~ <- W~ - lambda * r * (W~ - W0),  r = clamp((||W~ - W0|| - ||W - W0||) / ||W~ - W0||, 0, 1)
//   else W~ stays (Frobenius norms). The pre-trained tensors get no plain weight decay; tensors
// without a pre-trained value (the new head) keep the optimiser's. The condition is a mask, so
// nothing waits for the device. The radii view gets each tensor's distance from W0 and its
// decay activity: the share of steps since the previous snapshot in which the pull acted.
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
            const auto acted = t.away * r.gt(0).to(r.dtype());
            t.w.sub_(offset * (r * acted * lambda_));
            t.acted = t.acted.defined() ? t.acted + acted : acted;
        }
        ++steps_since_snapshot_;
    }

    // The default snapshot (distances, radius 0) with the activity since the previous one.
    std::optional<RadiiSnapshot> radii(int64_t step) const override {
        auto snap = Method::radii(step);
        if (!snap || anchored_.empty()) return snap;
        std::vector<torch::Tensor> acted;
        for (const auto& t : anchored_)
            acted.push_back(t.acted.defined() ? t.acted.to(torch::kDouble)
                                              : torch::zeros({}, torch::kDouble));
        const auto shares =
            (torch::stack(acted).cpu() / std::max<int64_t>(1, steps_since_snapshot_)).contiguous();
        const double* share = shares.data_ptr<double>();
        std::map<std::string, double> by_name;
        for (std::size_t i = 0; i < anchored_.size(); ++i) by_name[anchored_[i].name] = share[i];
        for (const auto& name : snap->names) snap->activity.push_back(by_name[name]);
        for (auto& t : anchored_) t.acted = torch::Tensor();
        steps_since_snapshot_ = 0;
        return snap;
    }

  private:
    struct Anchored {
        std::string name;
        torch::Tensor w, w0;
        torch::Tensor before;  // ||W - W0|| before the step
        torch::Tensor away;    // 1 when <g, W - W0> > 0, else 0
        // Steps the pull acted since the previous snapshot (device scalar; radii() resets it).
        torch::Tensor acted;
    };
    double lambda_;
    mutable std::vector<Anchored> anchored_;  // mutable: radii() resets the activity counts
    mutable int64_t steps_since_snapshot_ = 0;
};

}  // namespace

std::unique_ptr<Method> make_spd(MethodContext ctx) {
    return std::make_unique<Spd>(std::move(ctx));
}

}  // namespace tpgm
