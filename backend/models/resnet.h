// SPDX-License-Identifier: GPL-3.0-or-later
// ResNets with torchvision's parameter and buffer names, so that real state dicts load by name.
#pragma once

#include "models/classifier.h"
#include "models/dense_backbone.h"
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
    // torchvision's replace_stride_with_dilation: one entry per stage after the first (empty:
    // none). A dilated stage keeps the resolution: its stride becomes 1 and the dilation of the
    // stages from then on is multiplied by 2, which segmentation backbones use for a denser map.
    std::vector<bool> dilate;
    int64_t in_channels = 3;
    int64_t num_classes = 1000;
};

// A ResNet's stem and stages (no pooling, no fc), registered on an owner module under
// torchvision's names (conv1, bn1, layer1, ...), so that the classifier and a segmentation
// backbone (torchvision's IntermediateLayerGetter) share one construction.
struct ResNetTrunk {
    ResNetSpec spec;
    torch::nn::Conv2d conv1{nullptr};
    SyncableBatchNorm2d bn1{nullptr};
    std::vector<torch::nn::Sequential> stages;
    int64_t out_channels = 0;
    int64_t output_stride = 1;  // input size / feature map size

    // Registers the layers on `owner` with torchvision's initialisation; throws c10::Error for an
    // inconsistent spec.
    void build(torch::nn::Module& owner, const ResNetSpec& s);
    // The last stage's feature map, before pooling.
    torch::Tensor forward(torch::Tensor images);
};

// torchvision.models.ResNet (v1.5: stride on the 3x3 conv of a bottleneck).
class ResNet : public Classifier {
  public:
    explicit ResNet(const ResNetSpec& spec);
    torch::Tensor forward(torch::Tensor images) override;
    // Pooled penultimate features.
    torch::Tensor features(torch::Tensor images);
    // The last stage's feature map before pooling, [N, out_channels, H/stride, W/stride].
    torch::Tensor feature_map(torch::Tensor images) { return trunk_.forward(images); }
    int64_t output_stride() const { return trunk_.output_stride; }
    void reset_head(int64_t num_classes) override;
    int64_t num_classes() const override { return fc_->options.out_features(); }
    std::string head_prefix() const override { return "fc."; }

  private:
    ResNetTrunk trunk_;
    torch::nn::Linear fc_{nullptr};
};

// A ResNet without pooling and fc (torchvision's IntermediateLayerGetter returning the last
// stage): the backbone of a segmentation model, whose state dict names have no fc.
class ResNetBackboneImpl : public DenseBackbone {
  public:
    explicit ResNetBackboneImpl(const ResNetSpec& spec) { trunk_.build(*this, spec); }
    torch::Tensor forward(torch::Tensor images) override { return trunk_.forward(images); }
    int64_t out_channels() const override { return trunk_.out_channels; }
    int64_t output_stride() const override { return trunk_.output_stride; }

  private:
    ResNetTrunk trunk_;
};
TORCH_MODULE(ResNetBackbone);

}  // namespace tpgm
