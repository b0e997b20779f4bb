// SPDX-License-Identifier: GPL-3.0-or-later
#include "methods/method.h"

#include <torch/torch.h>

#include <stdexcept>

namespace tpgm {

std::vector<torch::Tensor> Method::trainable_parameters() {
    return ctx_.model->parameters();
}

std::unique_ptr<Method> create_method(const RunConfig& config, MethodContext ctx) {
    ctx.config = &config;
    if (config.method == "ft") return make_vanilla_ft(std::move(ctx));
    if (config.method == "lp") return make_linear_probe(std::move(ctx));
    if (config.method == "tpgm") return make_tpgm(std::move(ctx));
    if (config.method == "l2sp") return make_l2sp(std::move(ctx));
    if (config.method == "spd") return make_spd(std::move(ctx));
    if (config.method == "ftp") return make_ftp(std::move(ctx));
    if (config.method == "lpft") return make_lpft(std::move(ctx));
    if (config.method == "wise") return make_wise(std::move(ctx));
    throw std::invalid_argument("unknown method '" + config.method +
                                "' (ft, lp, tpgm, l2sp, spd, ftp, lpft or wise)");
}

}  // namespace tpgm
