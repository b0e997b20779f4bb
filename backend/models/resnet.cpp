// SPDX-License-Identifier: GPL-3.0-or-later
#include "models/resnet.h"

#include <torch/torch.h>

namespace tpgm {
namespace nn = torch::nn;

namespace {

nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t dilation = 1) {
    // padding = dilation * (k / 2) keeps a stride-1 map's size, as torchvision's conv3x3.
    return nn::Conv2d(nn::Conv2dOptions(in, out, k)
                          .stride(stride)
                          .padding(dilation * (k / 2))
                          .dilation(dilation)
                          .bias(false));
}

// torchvision's BasicBlock / Bottleneck with identical child names. `dilation` goes to the 3x3
// convs: a bottleneck's conv2 as torchvision; both convs of a BasicBlock, where torchvision
// refuses dilation (the demo's segmentation backbone dilates BasicBlocks).
class BlockImpl : public nn::Module {
  public:
    BlockImpl(int64_t in, int64_t width, int64_t stride, int64_t dilation, bool bottleneck)
        : bottleneck_(bottleneck) {
        const int64_t expansion = bottleneck ? 4 : 1;
        const int64_t out = width * expansion;
        if (bottleneck) {
            conv1 = register_module("conv1", conv(in, width, 1, 1));
            bn1 = register_module("bn1", SyncableBatchNorm2d(width));
            conv2 = register_module("conv2", conv(width, width, 3, stride, dilation));
            bn2 = register_module("bn2", SyncableBatchNorm2d(width));
            conv3 = register_module("conv3", conv(width, out, 1, 1));
            bn3 = register_module("bn3", SyncableBatchNorm2d(out));
        } else {
            conv1 = register_module("conv1", conv(in, width, 3, stride, dilation));
            bn1 = register_module("bn1", SyncableBatchNorm2d(width));
            conv2 = register_module("conv2", conv(width, width, 3, 1, dilation));
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

void ResNetTrunk::build(nn::Module& owner, const ResNetSpec& s) {
    TORCH_CHECK(s.blocks.size() == s.widths.size() && !s.blocks.empty(),
                "ResNetSpec: blocks and widths must have the same, non-zero length");
    TORCH_CHECK(s.dilate.empty() || s.dilate.size() + 1 == s.blocks.size(),
                "ResNetSpec: dilate needs one entry per stage after the first, or none");
    spec = s;
    const int64_t stem = s.widths.front();
    conv1 = owner.register_module("conv1", s.small_input_stem ? conv(s.in_channels, stem, 3, 1)
                                                              : conv(s.in_channels, stem, 7, 2));
    bn1 = owner.register_module("bn1", SyncableBatchNorm2d(stem));
    output_stride = s.small_input_stem ? 1 : 4;
    const int64_t expansion = s.bottleneck ? 4 : 1;
    int64_t in = stem;
    int64_t dilation = 1;
    stages.clear();
    for (std::size_t i = 0; i < s.blocks.size(); ++i) {
        // torchvision's _make_layer: a dilated stage trades its stride for dilation, and its
        // first block still uses the dilation of the stage before.
        int64_t stride = i > 0 ? 2 : 1;
        const int64_t previous_dilation = dilation;
        if (i > 0 && !s.dilate.empty() && s.dilate[i - 1]) {
            dilation *= stride;
            stride = 1;
        }
        output_stride *= stride;
        nn::Sequential stage;
        for (int b = 0; b < s.blocks[i]; ++b) {
            stage->push_back(Block(in, s.widths[i], b == 0 ? stride : 1,
                                   b == 0 ? previous_dilation : dilation, s.bottleneck));
            in = s.widths[i] * expansion;
        }
        stages.push_back(owner.register_module("layer" + std::to_string(i + 1), stage));
    }
    out_channels = in;
    // torchvision's initialisation: Kaiming normal (fan_out) for convs, BN weight 1, bias 0.
    auto kaiming = [](nn::Module& m) {
        if (auto* c = m.as<nn::Conv2d>())
            nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
    };
    kaiming(*conv1);
    for (auto& stage : stages)
        for (auto& m : stage->modules(/*include_self=*/false)) kaiming(*m);
}

torch::Tensor ResNetTrunk::forward(torch::Tensor x) {
    x = torch::relu(bn1(conv1(x)));
    if (!spec.small_input_stem) x = torch::max_pool2d(x, 3, 2, 1);
    for (auto& stage : stages) x = stage->forward(x);
    return x;
}

ResNet::ResNet(const ResNetSpec& spec) {
    trunk_.build(*this, spec);
    fc_ = register_module("fc", nn::Linear(trunk_.out_channels, spec.num_classes));
}

torch::Tensor ResNet::features(torch::Tensor x) {
    return torch::adaptive_avg_pool2d(trunk_.forward(x), {1, 1}).flatten(1);
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
