// SPDX-License-Identifier: GPL-3.0-or-later
// Model registry: architecture names to constructors.
#pragma once

#include "models/classifier.h"

#include <memory>
#include <string>
#include <vector>

namespace tpgm {

// What create_model needs besides the architecture name.
// Bounds create_model enforces, so that a typo cannot ask for a head of billions of outputs.
constexpr int64_t kMaxClasses = 100000;  // ImageNet-21k has 21 841
constexpr int64_t kMaxInChannels = 64;   // hyperspectral stacks stay well below

struct ModelSpec {
    std::string name = "demo_resnet";
    int64_t num_classes = 10;
    int64_t in_channels = 3;
    int width = 16;  // base width, only for demo_resnet and the demo_* segmentation models
};

// Builds an untrained model; throws std::invalid_argument for an unknown name or classes or
// channels outside [1, kMaxClasses] and [1, kMaxInChannels].
std::shared_ptr<Classifier> create_model(const ModelSpec& spec);
// Registered names with a one-line description each.
std::vector<std::pair<std::string, std::string>> model_catalogue();

}  // namespace tpgm
