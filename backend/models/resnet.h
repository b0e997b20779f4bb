// SPDX-License-Identifier: GPL-3.0-or-later
// ResNets with torchvision's parameter and buffer names, so that real state dicts load by name.
#pragma once

#include "models/classifier.h"
#include "models/sync_batch_norm.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <vector>

namespace tpgm {

// Shape of a ResNet: block kind, blocks per stage, stage widths and stem.
struct ResNetSpec {
    bool bottleneck = false;  // Bottleneck (ResNet-50) or BasicBlock (ResNet-18/34)
    std::vector<int> blocks{2, 2, 2, 2};
    std::vector<int> widths{64, 128, 256, 512};
    bool small_input_stem = false;  // 3x3 stride-1 stem without max-pool, for 28-32 px inputs
    int64_t in_channels = 3;
    int64_t num_classes = 1000;
};

// torchvision.models.ResNet (v1.5: stride on the 3x3 conv of a bottleneck).
class ResNet : public Classifier {
  public:
    explicit ResNet(const ResNetSpec& spec);
    torch::Tensor forward(torch::Tensor images) override;
    // Pooled penultimate features.
    torch::Tensor features(torch::Tensor images);
    void reset_head(int64_t num_classes) override;
    int64_t num_classes() const override { return fc_->options.out_features(); }
    std::string head_prefix() const override { return "fc."; }

  private:
    ResNetSpec spec_;
    torch::nn::Conv2d conv1_{nullptr};
    SyncableBatchNorm2d bn1_{nullptr};
    std::vector<torch::nn::Sequential> stages_;
    torch::nn::Linear fc_{nullptr};
};

}  // namespace tpgm
