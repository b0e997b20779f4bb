// SPDX-License-Identifier: GPL-3.0-or-later
// In-memory labelled image sets, their normalisation, epoch order and batch augmentation.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace tpgm {

// A named set of uint8 images [N, C, H, W] with int64 labels [N].
struct TensorDataset {
    std::string name;
    torch::Tensor images;
    torch::Tensor labels;
    int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
    // The examples at `indices` (an int64 tensor), under a new name.
    TensorDataset subset(const torch::Tensor& indices, std::string new_name) const;
};

// Per-channel mean and std on the [0, 1] scale, as the checkpoint was trained with.
struct Normalization {
    std::vector<double> mean{0.5};
    std::vector<double> std{0.5};
};

// uint8 images to normalised floating point on `to`'s device, in its dtype (float unless set).
torch::Tensor to_model_input(const torch::Tensor& images, const Normalization& norm,
                             const torch::TensorOptions& to);
// Mean and std of a uint8 image set, per channel.
Normalization measure_normalization(const torch::Tensor& images);
// The order of examples in `epoch` of a run seeded with `seed`; the same on every machine.
torch::Tensor epoch_order(int64_t size, std::uint64_t seed, int64_t epoch);
// The same order as indices.
std::vector<int64_t> epoch_order_indices(int64_t size, std::uint64_t seed, int64_t epoch);
// Standard light augmentation of a uint8 batch: random crop with `pad` zero padding and a
// horizontal flip with probability 1/2.
torch::Tensor augment_batch(const torch::Tensor& images, std::mt19937_64& rng, int64_t pad = 2);

}  // namespace tpgm
