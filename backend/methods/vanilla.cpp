// SPDX-License-Identifier: GPL-3.0-or-later
// Vanilla fine-tuning: every parameter trains freely from its pre-trained value.
#include "methods/method.h"

namespace tpgm {
namespace {

class VanillaFineTuning final : public Method {
  public:
    explicit VanillaFineTuning(MethodContext ctx) : Method(std::move(ctx)) {}
    std::string name() const override { return "ft"; }
};

}  // namespace

std::unique_ptr<Method> make_ft(MethodContext ctx) {
    return std::make_unique<VanillaFineTuning>(std::move(ctx));
}

}  // namespace tpgm
