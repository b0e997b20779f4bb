// SPDX-License-Identifier: GPL-3.0-or-later
// TPGM as a fine-tuning method: project after optimiser steps, learn radii on held-out batches.
#include "methods/method.h"
#include "methods/tpgm_projector.h"

#include <torch/torch.h>

#include <regex>

namespace tpgm {
namespace {

class Tpgm final : public Method {
  public:
    explicit Tpgm(MethodContext ctx) : Method(std::move(ctx)), cfg_(ctx_.config->tpgm) {
        std::vector<std::regex> exclude;
        for (const auto& pattern : cfg_.exclude) exclude.emplace_back(pattern);
        std::map<std::string, torch::Tensor> anchors(ctx_.anchors.begin(), ctx_.anchors.end());
        std::vector<ConstrainedTensor> tensors;
        for (auto& p : ctx_.model->named_parameters()) {
            const bool excluded =
                std::any_of(exclude.begin(), exclude.end(),
                            [&](const std::regex& re) { return std::regex_match(p.key(), re); });
            auto anchor = anchors.find(p.key());
            if (excluded || anchor == anchors.end() || !p.value().requires_grad()) continue;
            tensors.push_back({p.key(), p.value(), anchor->second});
        }
        projector_ = std::make_unique<TpgmProjector>(std::move(tensors),
                                                     norm_mode_from_name(cfg_.norm), cfg_.proj_lr);
    }

    std::string name() const override { return "tpgm"; }
    bool learns_radii() const override { return true; }

    void after_optimizer_step(int64_t step) override {
        if (cfg_.post_hoc) return;
        if (step % cfg_.proj_freq == 0) {
            projector_->update(
                cfg_.max_iters, [this] { projection_forward_backward(); },
                ctx_.whole_projection_batch);
            last_update_ = step;
        } else {
            projector_->apply();
        }
    }

    void on_training_end() override {
        if (!cfg_.post_hoc) return;
        projector_->update(
            cfg_.post_hoc_iters, [this] { projection_forward_backward(); },
            ctx_.whole_projection_batch);
    }

    bool radii_updated_at(int64_t step) const override { return last_update_ == step; }

    std::optional<RadiiSnapshot> radii(int64_t step) const override {
        if (!projector_->initialised()) return std::nullopt;
        RadiiSnapshot snap;
        snap.step = step;
        auto radii = projector_->radii().contiguous();
        snap.radius.assign(radii.data_ptr<double>(), radii.data_ptr<double>() + radii.numel());
        snap.distance = projector_->distances();
        for (const auto& t : projector_->tensors()) snap.names.push_back(t.name);
        return snap;
    }

    void save_state(torch::serialize::OutputArchive& archive) const override {
        projector_->save(archive);
    }
    void load_state(torch::serialize::InputArchive& archive) override { projector_->load(archive); }

  private:
    // The paper's radius objective: cross-entropy of the projected model in eval mode on a
    // held-out batch. Gradients land on the parameters; the projector turns them into dL/dg.
    void projection_forward_backward() {
        const bool was_training = ctx_.model->is_training();
        ctx_.model->eval();
        ctx_.model->zero_grad();
        Batch batch = ctx_.next_projection_batch();
        auto logits = ctx_.model->forward(batch.inputs);
        // A data-parallel rank can get no share of a short batch: zero gradients, not NaN.
        auto loss =
            loss_count(batch.labels) > 0 ? training_loss(logits, batch.labels) : logits.sum() * 0;
        loss.backward();
        ctx_.model->train(was_training);
    }

    TpgmConfig cfg_;
    std::unique_ptr<TpgmProjector> projector_;
    int64_t last_update_ = 0;
};

}  // namespace

std::unique_ptr<Method> make_tpgm(MethodContext ctx) {
    return std::make_unique<Tpgm>(std::move(ctx));
}

}  // namespace tpgm
