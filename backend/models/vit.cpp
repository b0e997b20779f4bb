// SPDX-License-Identifier: GPL-3.0-or-later
#include "models/vit.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace tpgm {

namespace nn = torch::nn;

namespace {

nn::LayerNorm layer_norm(int64_t dim) {
    return nn::LayerNorm(nn::LayerNormOptions({dim}).eps(1e-6));
}

class AttentionImpl : public nn::Module {
  public:
    AttentionImpl(int64_t dim, int64_t heads) : heads_(heads) {
        qkv = register_module("qkv", nn::Linear(nn::LinearOptions(dim, 3 * dim).bias(true)));
        proj = register_module("proj", nn::Linear(dim, dim));
    }
    torch::Tensor forward(const torch::Tensor& x) {
        const int64_t B = x.size(0), N = x.size(1), C = x.size(2);
        auto qkv_out = qkv(x).reshape({B, N, 3, heads_, C / heads_}).permute({2, 0, 3, 1, 4});
        auto q = qkv_out[0], k = qkv_out[1], v = qkv_out[2];
        const double scale = 1.0 / std::sqrt(static_cast<double>(C / heads_));
        auto attn = torch::softmax(torch::matmul(q * scale, k.transpose(-2, -1)), -1);
        return proj(torch::matmul(attn, v).transpose(1, 2).reshape({B, N, C}));
    }
    nn::Linear qkv{nullptr}, proj{nullptr};

  private:
    int64_t heads_;
};
TORCH_MODULE(Attention);

class MlpImpl : public nn::Module {
  public:
    MlpImpl(int64_t dim, int64_t hidden) {
        fc1 = register_module("fc1", nn::Linear(dim, hidden));
        fc2 = register_module("fc2", nn::Linear(hidden, dim));
    }
    torch::Tensor forward(const torch::Tensor& x) { return fc2(torch::gelu(fc1(x))); }
    nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(Mlp);

class BlockImpl : public nn::Module {
  public:
    BlockImpl(int64_t dim, int64_t heads, int64_t mlp_ratio) {
        norm1 = register_module("norm1", layer_norm(dim));
        attn = register_module("attn", Attention(dim, heads));
        norm2 = register_module("norm2", layer_norm(dim));
        mlp = register_module("mlp", Mlp(dim, dim * mlp_ratio));
    }
    torch::Tensor forward(torch::Tensor x) {
        x = x + attn(norm1(x));
        return x + mlp(norm2(x));
    }
    nn::LayerNorm norm1{nullptr}, norm2{nullptr};
    Attention attn{nullptr};
    Mlp mlp{nullptr};
};
TORCH_MODULE(Block);

// timm's trunc_normal_(std=.02, a=-2 std, b=2 std); LibTorch 1.13 has no trunc_normal_.
void trunc_normal(torch::Tensor& t, double std) {
    torch::NoGradGuard no_grad;
    t.normal_(0.0, std).clamp_(-2 * std, 2 * std);
}

void init_linear(nn::Linear& l) {
    trunc_normal(l->weight, 0.02);
    if (l->bias.defined()) nn::init::zeros_(l->bias);
}

}  // namespace

void ViTTrunk::build(nn::Module& owner, const ViTSpec& s) {
    if (s.patch_size <= 0 || s.image_size % s.patch_size != 0 || s.heads <= 0 ||
        s.dim % s.heads != 0 || s.depth <= 0)
        throw std::invalid_argument(
            "ViTSpec: image size must be a multiple of the patch size and dim of heads");
    spec = s;
    const int64_t grid = s.image_size / s.patch_size;
    cls_token = owner.register_parameter("cls_token", torch::zeros({1, 1, s.dim}));
    pos_embed = owner.register_parameter("pos_embed", torch::zeros({1, grid * grid + 1, s.dim}));
    proj = nn::Conv2d(nn::Conv2dOptions(s.in_channels, s.dim, s.patch_size).stride(s.patch_size));
    auto patch_embed = std::make_shared<nn::Module>();
    patch_embed->register_module("proj", proj);
    owner.register_module("patch_embed", patch_embed);
    blocks = owner.register_module("blocks", nn::ModuleList());
    for (int64_t d = 0; d < s.depth; ++d) blocks->push_back(Block(s.dim, s.heads, s.mlp_ratio));
    norm = owner.register_module("norm", layer_norm(s.dim));
    torch::NoGradGuard no_grad;
    trunc_normal(pos_embed, 0.02);
    nn::init::normal_(cls_token, 0.0, 1e-6);
    for (auto& block : *blocks)
        for (auto& m : block->modules())
            if (auto linear = std::dynamic_pointer_cast<nn::LinearImpl>(m)) {
                nn::Linear holder(linear);
                init_linear(holder);
            }
}

torch::Tensor resample_position_embedding(const torch::Tensor& pos_embed, int64_t h, int64_t w) {
    namespace F = torch::nn::functional;
    const int64_t dim = pos_embed.size(2);
    const auto grid = static_cast<int64_t>(std::lround(std::sqrt(double(pos_embed.size(1) - 1))));
    TORCH_CHECK(grid * grid + 1 == pos_embed.size(1),
                "pos_embed: a square grid plus a class token");
    if (h == grid && w == grid) return pos_embed;
    // timm's resample_abs_pos_embed: the grid part as a [1, dim, grid, grid] image, bicubic with
    // antialiasing (timm's default, which also picks PIL's a = -0.5 cubic when enlarging).
    const auto patches =
        pos_embed.narrow(1, 1, grid * grid).reshape({1, grid, grid, dim}).permute({0, 3, 1, 2});
    const auto resized = F::interpolate(patches, F::InterpolateFuncOptions()
                                                     .size(std::vector<int64_t>{h, w})
                                                     .mode(torch::kBicubic)
                                                     .align_corners(false)
                                                     .antialias(true));
    return torch::cat(
        {pos_embed.narrow(1, 0, 1), resized.permute({0, 2, 3, 1}).reshape({1, h * w, dim})}, 1);
}

torch::Tensor ViTTrunk::tokens(torch::Tensor x) {
    x = proj(x);
    const torch::Tensor position = resample_position_embedding(pos_embed, x.size(2), x.size(3));
    x = x.flatten(2).transpose(1, 2);
    x = torch::cat({cls_token.expand({x.size(0), -1, -1}), x}, 1) + position;
    for (const auto& b : *blocks) x = b->as<BlockImpl>()->forward(x);
    return norm(x);
}

ViT::ViT(const ViTSpec& spec) {
    trunk_.build(*this, spec);
    head_ = register_module("head", nn::Linear(spec.dim, spec.num_classes));
    init_linear(head_);
}

torch::Tensor ViT::features(torch::Tensor x) {
    const int64_t size = trunk_.spec.image_size;
    if (x.dim() != 4 || x.size(2) != size || x.size(3) != size)
        throw std::invalid_argument("ViT expects " + std::to_string(size) + "x" +
                                    std::to_string(size) + " images");
    return trunk_.tokens(x).select(1, 0);
}

torch::Tensor ViT::forward(torch::Tensor x) {
    return head_(features(x));
}

torch::Tensor ViTBackboneImpl::forward(torch::Tensor images) {
    const int64_t patch = trunk_.spec.patch_size;
    TORCH_CHECK(images.dim() == 4 && images.size(2) % patch == 0 && images.size(3) % patch == 0,
                "ViT backbone: image sides must be multiples of the patch size ", patch);
    const int64_t h = images.size(2) / patch, w = images.size(3) / patch;
    const auto patches = trunk_.tokens(images).narrow(1, 1, h * w);  // the class token dropped
    return patches.transpose(1, 2).reshape({images.size(0), trunk_.spec.dim, h, w});
}

void ViT::reset_head(int64_t num_classes) {
    const auto device = head_->weight.device();
    head_ = replace_module("head", nn::Linear(trunk_.spec.dim, num_classes));
    init_linear(head_);
    head_->to(device);
}

}  // namespace tpgm
