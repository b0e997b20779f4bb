// SPDX-License-Identifier: GPL-3.0-or-later
#include "methods/method.h"

#include "config/methods.h"
#include "data/image_set.h"  // kIgnoreLabel

#include <torch/torch.h>

#include <map>
#include <stdexcept>

namespace tpgm {

std::vector<torch::Tensor> Method::trainable_parameters() {
    return ctx_.model->parameters();
}

std::optional<RadiiSnapshot> Method::radii(int64_t step) const {
    torch::NoGradGuard no_grad;
    std::map<std::string, torch::Tensor> live;
    for (const auto& p : ctx_.model->named_parameters())
        if (p.value().requires_grad()) live.emplace(p.key(), p.value());
    RadiiSnapshot snap;
    snap.step = step;
    std::vector<torch::Tensor> distances;
    for (const auto& [name, w0] : ctx_.anchors) {
        auto w = live.find(name);
        if (w == live.end()) continue;
        snap.names.push_back(name);
        distances.push_back(mars_row_norms(w->second - w0).max().to(torch::kDouble));
    }
    if (distances.empty()) return std::nullopt;
    const auto host = torch::stack(distances).cpu();  // one copy for all tensors
    snap.distance.assign(host.data_ptr<double>(), host.data_ptr<double>() + host.numel());
    snap.radius.assign(snap.distance.size(), 0.0);
    return snap;
}

torch::Tensor training_loss(const torch::Tensor& logits, const torch::Tensor& labels,
                            double label_smoothing) {
    namespace F = torch::nn::functional;
    auto options = F::CrossEntropyFuncOptions().label_smoothing(label_smoothing);
    if (labels.dim() == 3) options.ignore_index(kIgnoreLabel);
    return F::cross_entropy(logits, labels, options);
}

double loss_count(const torch::Tensor& labels) {
    if (labels.dim() != 3) return static_cast<double>(labels.size(0));
    return static_cast<double>(labels.ne(kIgnoreLabel).sum().item<int64_t>());
}

std::vector<torch::Tensor> set_trainable(Classifier& model, bool head_only) {
    std::vector<torch::Tensor> trained;
    const std::string prefix = model.head_prefix();
    for (auto& p : model.named_parameters()) {
        const bool train = !head_only || p.key().rfind(prefix, 0) == 0;
        p.value().set_requires_grad(train);
        if (train) trained.push_back(p.value());
    }
    return trained;
}

torch::Tensor mars_row_norms(const torch::Tensor& offset) {
    return offset.dim() == 0 ? offset.abs().reshape({1})
                             : offset.reshape({offset.size(0), -1}).abs().sum(1);
}

std::unique_ptr<Method> create_method(const RunConfig& config, MethodContext ctx) {
    ctx.config = &config;
#define TPGM_METHOD(name, ...) \
    if (config.method == #name) return make_##name(std::move(ctx));
#include "config/method_list.def"
#undef TPGM_METHOD
    std::string known;
    for (const auto& m : methods()) known += (known.empty() ? "" : ", ") + m.name;
    throw std::invalid_argument("no method '" + config.method + "' to build (" + known + ")");
}

}  // namespace tpgm
