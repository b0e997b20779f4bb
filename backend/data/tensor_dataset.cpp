// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/tensor_dataset.h"

#include "data/idx_reader.h"

#include <torch/torch.h>

namespace tpgm {

TensorDataset TensorDataset::subset(const torch::Tensor& indices, std::string new_name) const {
    return {std::move(new_name), images.index_select(0, indices), labels.index_select(0, indices)};
}

torch::Tensor to_model_input(const torch::Tensor& images, const Normalization& norm,
                             const torch::TensorOptions& to) {
    const int64_t c = images.size(1);
    const auto out = torch::TensorOptions(to.device())
                         .dtype(to.has_dtype() ? to.dtype() : caffe2::TypeMeta::Make<float>());
    auto mean = torch::tensor(norm.mean, torch::kDouble).to(out);
    auto std = torch::tensor(norm.std, torch::kDouble).to(out);
    TORCH_CHECK(mean.numel() == c || mean.numel() == 1, "normalisation has ", mean.numel(),
                " channels, images have ", c);
    auto x = images.to(out).div_(255.0);
    return x.sub_(mean.view({1, -1, 1, 1})).div_(std.view({1, -1, 1, 1}));
}

Normalization measure_normalization(const torch::Tensor& images) {
    auto x = images.to(torch::kFloat).div(255.0f).transpose(0, 1).flatten(1);
    Normalization n;
    auto mean = x.mean(1), std = x.std(1);
    n.mean.assign(mean.data_ptr<float>(), mean.data_ptr<float>() + mean.numel());
    n.std.assign(std.data_ptr<float>(), std.data_ptr<float>() + std.numel());
    return n;
}

torch::Tensor epoch_order(int64_t size, std::uint64_t seed, int64_t epoch) {
    std::vector<int64_t> order(static_cast<std::size_t>(size));
    for (int64_t i = 0; i < size; ++i) order[i] = i;
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(epoch) + 1);
    std::shuffle(order.begin(), order.end(), rng);
    return torch::tensor(order, torch::kLong);
}

std::vector<int64_t> epoch_order_indices(int64_t size, std::uint64_t seed, int64_t epoch) {
    const torch::Tensor o = epoch_order(size, seed, epoch).to(torch::kInt64).contiguous();
    return {o.data_ptr<int64_t>(), o.data_ptr<int64_t>() + o.numel()};
}

torch::Tensor augment_batch(const torch::Tensor& images, std::mt19937_64& rng, int64_t pad) {
    const int64_t n = images.size(0), h = images.size(2), w = images.size(3);
    auto padded = torch::constant_pad_nd(images, {pad, pad, pad, pad}, 0);
    auto out = torch::empty_like(images);
    std::uniform_int_distribution<int64_t> offset(0, 2 * pad);
    std::bernoulli_distribution flip(0.5);
    for (int64_t i = 0; i < n; ++i) {
        auto crop = padded[i].narrow(1, offset(rng), h).narrow(2, offset(rng), w);
        out[i].copy_(flip(rng) ? crop.flip({2}) : crop);
    }
    return out;
}

}  // namespace tpgm
