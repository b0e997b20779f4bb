// SPDX-License-Identifier: GPL-3.0-or-later
// FTP, fast trainable projection (Tian et al., NeurIPS 2023). One radius gamma per pre-trained
// tensor, learned without extra data or forward passes: after the base optimiser's step,
//   c_t = W - W0 (unconstrained offset), n_t = its MARS norm per row (L1 over all dims but the
//   first);
//   dL/dgamma = sum over rows of <grad_t, c_{t-1}> / n_{t-1} (the gradient at W_t, whose rows
//   moved along c_{t-1} / n_{t-1} with gamma), times k where positive;
//   Adam step on gamma (betas 0.9/0.999); gamma clipped to [1e-8, max_rows n_t];
//   W <- W0 + min(1, gamma / n_t) * c_t row-wise.
// gamma starts at 1e-8 and takes its first step at the second optimiser step (there is no
// c_{t-1} before). Unlike the published code, whose buffers are indexed by a running counter
// over the parameters that have gradients (they misalign when that set changes between steps),
// every buffer here belongs to its parameter by name. All state stays on the device: no host
// synchronisation per step.
#include "methods/method.h"

#include <torch/torch.h>

#include <map>

namespace tpgm {
namespace {

constexpr double kMinGamma = 1e-8;  // gamma's start and lower clip
constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kAdamEps = 1e-8;

class Ftp final : public Method {
  public:
    explicit Ftp(MethodContext ctx) : Method(std::move(ctx)), cfg_(ctx_.config->ftp) {
        const std::map<std::string, torch::Tensor> anchors(ctx_.anchors.begin(),
                                                           ctx_.anchors.end());
        for (auto& p : ctx_.model->named_parameters()) {
            auto anchor = anchors.find(p.key());
            if (anchor == anchors.end() || !p.value().requires_grad()) continue;
            Layer layer{p.key(), p.value(), anchor->second};
            const auto scalar = torch::zeros({}, p.value().options().dtype(torch::kDouble));
            layer.gamma = scalar + kMinGamma;
            layer.m = scalar.clone();
            layer.v = scalar.clone();
            layers_.push_back(std::move(layer));
        }
    }

    std::string name() const override { return "ftp"; }
    bool learns_radii() const override { return true; }

    void after_optimizer_step(int64_t step) override {
        torch::NoGradGuard no_grad;
        if (have_previous_) ++adam_steps_;
        for (auto& l : layers_) {
            const auto c = l.w - l.w0;
            const auto n = mars_row_norms(c);
            if (l.previous.defined()) adam_step(l);
            l.gamma = l.gamma.clamp_max(n.max().to(torch::kDouble)).clamp_min(kMinGamma);
            const auto scale = (l.gamma / n.to(torch::kDouble)).clamp_max(1).to(c.dtype());
            l.w.copy_(l.w0 + c * rows_view(scale, c));
            l.previous = c;
            l.previous_norm = n;
        }
        have_previous_ = true;
        last_step_ = step;
    }

    bool radii_updated_at(int64_t step) const override { return step == last_step_; }

    std::optional<RadiiSnapshot> radii(int64_t step) const override {
        if (!have_previous_ || layers_.empty()) return std::nullopt;
        torch::NoGradGuard no_grad;
        RadiiSnapshot snap;
        snap.step = step;
        std::vector<torch::Tensor> gammas, distances;
        for (const auto& l : layers_) {
            snap.names.push_back(l.name);
            gammas.push_back(l.gamma);
            distances.push_back(mars_row_norms(l.w - l.w0).max().to(torch::kDouble));
        }
        // One copy to the host for all layers.
        const auto both = torch::stack({torch::stack(gammas), torch::stack(distances)}).cpu();
        const double* data = both.data_ptr<double>();
        snap.radius.assign(data, data + layers_.size());
        snap.distance.assign(data + layers_.size(), data + 2 * layers_.size());
        return snap;
    }

    void save_state(torch::serialize::OutputArchive& archive) const override {
        archive.write("ftp/adam_steps", c10::IValue(adam_steps_));
        for (const auto& l : layers_) {
            if (!l.previous.defined()) continue;
            archive.write("ftp/" + l.name + "/gamma", l.gamma, true);
            archive.write("ftp/" + l.name + "/m", l.m, true);
            archive.write("ftp/" + l.name + "/v", l.v, true);
            archive.write("ftp/" + l.name + "/previous", l.previous, true);
        }
    }

    void load_state(torch::serialize::InputArchive& archive) override {
        c10::IValue steps;
        if (!archive.try_read("ftp/adam_steps", steps)) return;  // saved before the first step
        adam_steps_ = steps.toInt();
        for (auto& l : layers_) {
            torch::Tensor previous;
            if (!archive.try_read("ftp/" + l.name + "/previous", previous, true)) continue;
            archive.read("ftp/" + l.name + "/gamma", l.gamma, true);
            archive.read("ftp/" + l.name + "/m", l.m, true);
            archive.read("ftp/" + l.name + "/v", l.v, true);
            l.previous = previous.to(l.w.device());
            l.previous_norm = mars_row_norms(l.previous);
            for (auto* t : {&l.gamma, &l.m, &l.v}) *t = t->to(l.w.device());
            have_previous_ = true;
        }
    }

  private:
    struct Layer {
        std::string name;
        torch::Tensor w, w0;
        torch::Tensor gamma, m, v;              // scalar float64: the radius and Adam's moments
        torch::Tensor previous, previous_norm;  // c_{t-1} and its row norms
    };

    // A per-row vector shaped to broadcast over its tensor.
    static torch::Tensor rows_view(const torch::Tensor& per_row, const torch::Tensor& like) {
        std::vector<int64_t> shape(std::max<int64_t>(like.dim(), 1), 1);
        shape[0] = per_row.numel();
        return like.dim() == 0 ? per_row.reshape({}) : per_row.reshape(shape);
    }

    void adam_step(Layer& l) {
        const auto& c = l.previous;
        const auto rows = c.dim() == 0 ? 1 : c.size(0);
        auto grad = l.w.grad().defined() ? l.w.grad() : torch::zeros_like(c);
        // 0/0 for a row that had not moved: it contributes nothing.
        const auto per_row = (grad.reshape({rows, -1}) * c.reshape({rows, -1})).sum(1) /
                             l.previous_norm.clamp_min(1e-30);
        auto g = per_row.sum().to(torch::kDouble);
        g = torch::where(g > 0, g * cfg_.k, g);
        l.m.mul_(kBeta1).add_(g, 1 - kBeta1);
        l.v.mul_(kBeta2).addcmul_(g, g, 1 - kBeta2);
        const double bias1 = 1 - std::pow(kBeta1, adam_steps_);
        const double bias2 = 1 - std::pow(kBeta2, adam_steps_);
        l.gamma = l.gamma - cfg_.lr * (l.m / bias1) / ((l.v / bias2).sqrt() + kAdamEps);
    }

    FtpConfig cfg_;
    std::vector<Layer> layers_;
    int64_t adam_steps_ = 0;  // gamma's Adam steps so far (bias correction)
    bool have_previous_ = false;
    int64_t last_step_ = 0;
};

}  // namespace

std::unique_ptr<Method> make_ftp(MethodContext ctx) {
    return std::make_unique<Ftp>(std::move(ctx));
}

}  // namespace tpgm
