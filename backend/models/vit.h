// SPDX-License-Identifier: GPL-3.0-or-later
// Vision Transformers with timm's parameter names (cls_token, pos_embed, patch_embed.proj,
// blocks.N.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,mlp.fc2}, norm, head), so that timm
// checkpoints (ViT-S/16, ViT-B/16, e.g. from safetensors) load by name.
#pragma once

#include "models/classifier.h"

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

namespace tpgm {

struct ViTSpec {
    int64_t image_size = 224;
    int64_t patch_size = 16;
    int64_t dim = 768;
    int64_t depth = 12;
    int64_t heads = 12;
    int64_t mlp_ratio = 4;
    int64_t in_channels = 3;
    int64_t num_classes = 1000;
    static ViTSpec small16() { return {224, 16, 384, 12, 6, 4, 3, 1000}; }  // ViT-S/16
    static ViTSpec base16() { return {224, 16, 768, 12, 12, 4, 3, 1000}; }  // ViT-B/16
};

// timm.models.vision_transformer.VisionTransformer with class-token pooling, qkv bias,
// LayerNorm eps 1e-6 and exact GELU. Inputs must be image_size x image_size.
class ViT : public Classifier {
  public:
    explicit ViT(const ViTSpec& spec);
    torch::Tensor forward(torch::Tensor images) override;
    // The final class-token embedding (after `norm`).
    torch::Tensor features(torch::Tensor images);
    void reset_head(int64_t num_classes) override;
    int64_t num_classes() const override { return head_->options.out_features(); }
    std::string head_prefix() const override { return "head."; }

  private:
    ViTSpec spec_;
    torch::Tensor cls_token_, pos_embed_;
    torch::nn::Conv2d proj_{nullptr};
    torch::nn::ModuleList blocks_{nullptr};
    torch::nn::LayerNorm norm_{nullptr};
    torch::nn::Linear head_{nullptr};
};

}  // namespace tpgm
