// SPDX-License-Identifier: GPL-3.0-or-later
// Vision Transformers with timm's parameter names (cls_token, pos_embed, patch_embed.proj,
// blocks.N.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,mlp.fc2}, norm, head), so that timm
// checkpoints (ViT-S/16, ViT-B/16, e.g. from safetensors) load by name.
#pragma once

#include "models/classifier.h"
#include "models/dense_backbone.h"

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

// pos_embed [1, 1 + g*g, dim] (class token first) for an h x w grid of patches: unchanged when
// h = w = g, else the grid part resampled as timm's resample_abs_pos_embed does.
torch::Tensor resample_position_embedding(const torch::Tensor& pos_embed, int64_t h, int64_t w);

// The layers every ViT here shares, registered with timm's names on the owning module:
// cls_token, pos_embed, patch_embed.proj, blocks.N, norm.
struct ViTTrunk {
    ViTSpec spec;
    torch::Tensor cls_token, pos_embed;
    torch::nn::Conv2d proj{nullptr};
    torch::nn::ModuleList blocks{nullptr};
    torch::nn::LayerNorm norm{nullptr};

    // Registers the layers on `owner` with timm's initialisation; throws std::invalid_argument
    // for an inconsistent spec.
    void build(torch::nn::Module& owner, const ViTSpec& s);
    // The normed tokens [N, 1 + h*w, dim] (class token first) of images whose sides are
    // multiples of the patch size, pos_embed resampled to their h x w grid of patches.
    torch::Tensor tokens(torch::Tensor images);
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
    ViTTrunk trunk_;
    torch::nn::Linear head_{nullptr};
};

// A ViT without head whose patch tokens, after `norm`, form the feature map [N, dim, H/patch,
// W/patch] (as SETR and Segmenter use them): the backbone of a segmentation model. Any input
// size works; SegmentationModel pads the sides to multiples of the patch size.
class ViTBackboneImpl : public DenseBackbone {
  public:
    explicit ViTBackboneImpl(const ViTSpec& spec) { trunk_.build(*this, spec); }
    torch::Tensor forward(torch::Tensor images) override;
    int64_t out_channels() const override { return trunk_.spec.dim; }
    int64_t output_stride() const override { return trunk_.spec.patch_size; }
    int64_t input_multiple() const override { return trunk_.spec.patch_size; }

  private:
    ViTTrunk trunk_;
};
TORCH_MODULE(ViTBackbone);

}  // namespace tpgm
