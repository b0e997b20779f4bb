// SPDX-License-Identifier: GPL-3.0-or-later
#include "models/vit.h"

#include <torch/torch.h>

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

ViT::ViT(const ViTSpec& spec) : spec_(spec) {
    if (spec.patch_size <= 0 || spec.image_size % spec.patch_size != 0 || spec.heads <= 0 ||
        spec.dim % spec.heads != 0 || spec.depth <= 0)
        throw std::invalid_argument(
            "ViTSpec: image size must be a multiple of the patch size and dim of heads");
    const int64_t n = (spec.image_size / spec.patch_size) * (spec.image_size / spec.patch_size);
    cls_token_ = register_parameter("cls_token", torch::zeros({1, 1, spec.dim}));
    pos_embed_ = register_parameter("pos_embed", torch::zeros({1, n + 1, spec.dim}));
    proj_ = nn::Conv2d(
        nn::Conv2dOptions(spec.in_channels, spec.dim, spec.patch_size).stride(spec.patch_size));
    auto patch_embed = std::make_shared<nn::Module>();
    patch_embed->register_module("proj", proj_);
    register_module("patch_embed", patch_embed);
    blocks_ = register_module("blocks", nn::ModuleList());
    for (int64_t d = 0; d < spec.depth; ++d)
        blocks_->push_back(Block(spec.dim, spec.heads, spec.mlp_ratio));
    norm_ = register_module("norm", layer_norm(spec.dim));
    head_ = register_module("head", nn::Linear(spec.dim, spec.num_classes));
    torch::NoGradGuard no_grad;
    trunc_normal(pos_embed_, 0.02);
    nn::init::normal_(cls_token_, 0.0, 1e-6);
    for (auto& m : modules(false))
        if (auto linear = std::dynamic_pointer_cast<nn::LinearImpl>(m)) {
            nn::Linear holder(linear);
            init_linear(holder);
        }
}

torch::Tensor ViT::features(torch::Tensor x) {
    if (x.dim() != 4 || x.size(2) != spec_.image_size || x.size(3) != spec_.image_size)
        throw std::invalid_argument("ViT expects " + std::to_string(spec_.image_size) + "x" +
                                    std::to_string(spec_.image_size) + " images");
    x = proj_(x).flatten(2).transpose(1, 2);
    x = torch::cat({cls_token_.expand({x.size(0), -1, -1}), x}, 1) + pos_embed_;
    for (const auto& b : *blocks_) x = b->as<BlockImpl>()->forward(x);
    return norm_(x).select(1, 0);
}

torch::Tensor ViT::forward(torch::Tensor x) {
    return head_(features(x));
}

void ViT::reset_head(int64_t num_classes) {
    const auto device = head_->weight.device();
    head_ = replace_module("head", nn::Linear(spec_.dim, num_classes));
    init_linear(head_);
    head_->to(device);
}

}  // namespace tpgm
