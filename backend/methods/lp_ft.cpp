// SPDX-License-Identifier: GPL-3.0-or-later
// LP-FT (Kumar et al., ICLR 2022): a linear probe (backbone and its BatchNorm statistics frozen,
// only the new head trains) for lpft.probe_epochs, then fine-tuning of every layer from the
// probed head, in one run. The trainer starts a fresh optimiser at the switch, so each phase is
// what a separate LP run followed by an FT run from its head would be.
#include "methods/method.h"

#include <torch/torch.h>

namespace tpgm {
namespace {

class LpFt final : public Method {
  public:
    explicit LpFt(MethodContext ctx) : Method(std::move(ctx)) {}
    std::string name() const override { return "lpft"; }
    bool freezes_backbone() const override { return probing_; }

    std::vector<torch::Tensor> trainable_parameters() override {
        return set_trainable(*ctx_.model, /*head_only=*/probing_);
    }

    int64_t second_phase_start(int64_t steps_per_epoch) const override {
        return ctx_.config->lpft.probe_epochs * steps_per_epoch + 1;
    }
    void begin_second_phase() override { probing_ = false; }

  private:
    bool probing_ = true;
};

}  // namespace

std::unique_ptr<Method> make_lpft(MethodContext ctx) {
    return std::make_unique<LpFt>(std::move(ctx));
}

}  // namespace tpgm
