// SPDX-License-Identifier: GPL-3.0-or-later
// Linear probe: only the new head trains; the backbone, BatchNorm statistics included, stays
// exactly pre-trained.
#include "methods/method.h"

#include <torch/torch.h>

namespace tpgm {
namespace {

class LinearProbe final : public Method {
  public:
    explicit LinearProbe(MethodContext ctx) : Method(std::move(ctx)) {}
    std::string name() const override { return "lp"; }
    bool freezes_backbone() const override { return true; }

    std::vector<torch::Tensor> trainable_parameters() override {
        return set_trainable(*ctx_.model, /*head_only=*/true);
    }
};

}  // namespace

std::unique_ptr<Method> make_lp(MethodContext ctx) {
    return std::make_unique<LinearProbe>(std::move(ctx));
}

}  // namespace tpgm
