// SPDX-License-Identifier: GPL-3.0-or-later
// Semantic segmentation models (FCN, DeepLabV3) with torchvision's parameter and buffer names.
#pragma once

#include "models/classifier.h"
#include "models/resnet.h"
#include "models/vit.h"

#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>

#include <variant>
#include <vector>

namespace tpgm {

// Which head sits on the backbone's feature map.
enum class SegmentationHead { FCN, DeepLabV3 };

// Shape of a segmentation model: a (dilated) ResNet or a ViT backbone and a head.
struct SegmentationSpec {
    // num_classes is ignored: the backbone has no fc / head.
    std::variant<ResNetSpec, ViTSpec> backbone;
    SegmentationHead head = SegmentationHead::FCN;
    int64_t num_classes = 21;
    // DeepLabV3's ASPP: output channels and the three atrous rates (torchvision: 256, 12/24/36).
    int64_t aspp_channels = 256;
    std::vector<int64_t> aspp_rates{12, 24, 36};
};

// torchvision's ASPPPooling: global average pool, 1x1 conv, BN, ReLU, upsampled back to the map.
class ASPPPoolingImpl : public torch::nn::Module {
  public:
    ASPPPoolingImpl(int64_t in, int64_t out);
    torch::Tensor forward(torch::Tensor x);

  private:
    torch::nn::Conv2d conv_{nullptr};
    SyncableBatchNorm2d bn_{nullptr};
};
TORCH_MODULE(ASPPPooling);

// torchvision's ASPP: a 1x1 branch, three dilated 3x3 branches and image pooling (`convs.0..4`),
// concatenated and projected back (`project`: 1x1 conv, BN, ReLU, Dropout 0.5).
class ASPPImpl : public torch::nn::Module {
  public:
    ASPPImpl(int64_t in, const std::vector<int64_t>& rates, int64_t out);
    torch::Tensor forward(torch::Tensor x);

  private:
    std::vector<torch::nn::Sequential> branches_;
    ASPPPooling pooling_{nullptr};
    torch::nn::Sequential project_{nullptr};
};
TORCH_MODULE(ASPP);

// A backbone plus a dense head, as torchvision's FCN / DeepLabV3 with aux_loss=False: names
// "backbone.*" (a ResNet without fc, or a ViT without head) and "classifier.0..4" (the whole head,
// whose last entry is the 1x1 conv to class logits). A Classifier so that the trainer, methods and
// checkpoints treat it like any model; its "classes" are per-pixel.
class SegmentationModel : public Classifier {
  public:
    explicit SegmentationModel(const SegmentationSpec& spec);
    // Logits [N, num_classes, H, W]: the head's output upsampled bilinearly (align_corners=false,
    // as torchvision) to the input's size (to the padded size, then cropped, for a ViT).
    torch::Tensor forward(torch::Tensor images) override;
    // The backbone's feature map, [N, C, H/output_stride, W/output_stride] (rounded up); a ViT
    // backbone takes sides that are multiples of its patch only (forward pads, this does not).
    torch::Tensor features(torch::Tensor images) { return backbone_->forward(images); }
    int64_t output_stride() const { return backbone_->output_stride(); }
    // Replaces only the final 1x1 conv (classifier.4), on the same device and dtype.
    void reset_head(int64_t num_classes) override;
    int64_t num_classes() const override { return final_->options.out_channels(); }
    // The whole head, ASPP included, is new for a segmentation task.
    std::string head_prefix() const override { return "classifier."; }
    std::string backbone_prefix() const override { return "backbone."; }
    const SegmentationSpec& spec() const { return spec_; }

  private:
    SegmentationSpec spec_;
    std::shared_ptr<DenseBackbone> backbone_;
    // Registered as "classifier" with children "0".."4", as torchvision's nn.Sequential heads;
    // layers 0..3 run in order, then the final conv, which reset_head swaps on its own.
    std::shared_ptr<torch::nn::Module> classifier_;
    std::vector<torch::nn::AnyModule> layers_;
    torch::nn::Conv2d final_{nullptr};
};

}  // namespace tpgm
