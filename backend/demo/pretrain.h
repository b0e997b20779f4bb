// SPDX-License-Identifier: GPL-3.0-or-later
// Pre-training of the demo backbone: the laptop-scale analogue of CLIP/MoCo pre-training.
#pragma once

#include "config/run_config.h"
#include "data/progress.h"
#include "data/tensor_dataset.h"

#include <string>

namespace tpgm {

// Trains demo_resnet on `set` (coarse labels, many styles) on `device` and writes it to
// `checkpoint_path` (tensors on the CPU, whatever the device). Batches and augmentation are drawn
// on the CPU in the same order for every device, so on the CPU the result depends only on the
// config.
void pretrain_demo_backbone(const DemoConfig& config, const TensorDataset& set, int64_t num_classes,
                            const Normalization& norm, const std::string& checkpoint_path,
                            const ProgressFn& progress, const torch::Device& device);

}  // namespace tpgm
