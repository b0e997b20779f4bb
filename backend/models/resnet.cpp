// SPDX-License-Identifier: GPL-3.0-or-later
#include "models/resnet.h"

#include <torch/torch.h>

namespace tpgm {
namespace nn = torch::nn;

namespace {

nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride) {
    return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(k / 2).bias(false));
}

// torchvision's BasicBlock / Bottleneck with identical child names.
class BlockImpl : public nn::Module {
  public:
    BlockImpl(int64_t in, int64_t width, int64_t stride, bool bottleneck)
        : bottleneck_(bottleneck) {
        const int64_t expansion = bottleneck ? 4 : 1;
        const int64_t out = width * expansion;
        if (bottleneck) {
            conv1 = register_module("conv1", conv(in, width, 1, 1));
            bn1 = register_module("bn1", SyncableBatchNorm2d(width));
            conv2 = register_module("conv2", conv(width, width, 3, stride));
            bn2 = register_module("bn2", SyncableBatchNorm2d(width));
            conv3 = register_module("conv3", conv(width, out, 1, 1));
            bn3 = register_module("bn3", SyncableBatchNorm2d(out));
        } else {
            conv1 = register_module("conv1", conv(in, width, 3, stride));
            bn1 = register_module("bn1", SyncableBatchNorm2d(width));
            conv2 = register_module("conv2", conv(width, width, 3, 1));
            bn2 = register_module("bn2", SyncableBatchNorm2d(width));
        }
        if (stride != 1 || in != out) {
            downsample = register_module(
                "downsample", nn::Sequential(conv(in, out, 1, stride), SyncableBatchNorm2d(out)));
        }
    }

    torch::Tensor forward(torch::Tensor x) {
        torch::Tensor identity = downsample ? downsample->forward(x) : x;
        torch::Tensor y = torch::relu(bn1(conv1(x)));
        y = bn2(conv2(y));
        if (bottleneck_) y = bn3(conv3(torch::relu(y)));
        return torch::relu(y + identity);
    }

    nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
    SyncableBatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
    nn::Sequential downsample{nullptr};

  private:
    bool bottleneck_;
};
TORCH_MODULE(Block);

}  // namespace

ResNet::ResNet(const ResNetSpec& spec) : spec_(spec) {
    TORCH_CHECK(spec.blocks.size() == spec.widths.size() && !spec.blocks.empty(),
                "ResNetSpec: blocks and widths must have the same, non-zero length");
    const int64_t stem = spec.widths.front();
    conv1_ = register_module("conv1", spec.small_input_stem ? conv(spec.in_channels, stem, 3, 1)
                                                            : conv(spec.in_channels, stem, 7, 2));
    bn1_ = register_module("bn1", SyncableBatchNorm2d(stem));
    const int64_t expansion = spec.bottleneck ? 4 : 1;
    int64_t in = stem;
    for (std::size_t s = 0; s < spec.blocks.size(); ++s) {
        nn::Sequential stage;
        for (int b = 0; b < spec.blocks[s]; ++b) {
            const int64_t stride = (s > 0 && b == 0) ? 2 : 1;
            stage->push_back(Block(in, spec.widths[s], stride, spec.bottleneck));
            in = spec.widths[s] * expansion;
        }
        stages_.push_back(register_module("layer" + std::to_string(s + 1), stage));
    }
    // torchvision's initialisation: Kaiming normal (fan_out) for convs, BN weight 1, bias 0.
    for (auto& m : modules(/*include_self=*/false)) {
        if (auto* c = m->as<nn::Conv2d>())
            nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
    }
    fc_ = register_module("fc", nn::Linear(in, spec.num_classes));
}

torch::Tensor ResNet::features(torch::Tensor x) {
    x = torch::relu(bn1_(conv1_(x)));
    if (!spec_.small_input_stem) x = torch::max_pool2d(x, 3, 2, 1);
    for (auto& stage : stages_) x = stage->forward(x);
    return torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
}

torch::Tensor ResNet::forward(torch::Tensor x) {
    return fc_(features(x));
}

void ResNet::reset_head(int64_t num_classes) {
    const int64_t in = fc_->options.in_features();
    const auto device = fc_->weight.device();
    fc_ = replace_module("fc", nn::Linear(in, num_classes));
    fc_->to(device);
}

}  // namespace tpgm
