// SPDX-License-Identifier: GPL-3.0-or-later
// FCN and DeepLabV3 heads on dilated ResNet (or ViT) backbones, module for module as torchvision's.
#include "models/segmentation.h"

#include <torch/torch.h>

namespace tpgm {
namespace nn = torch::nn;
namespace F = torch::nn::functional;

namespace {

nn::Conv2d conv_bn_free(int64_t in, int64_t out, int64_t k, int64_t dilation = 1) {
    // Convolutions followed by BN carry no bias (torchvision's bias=False).
    return nn::Conv2d(
        nn::Conv2dOptions(in, out, k).padding(dilation * (k / 2)).dilation(dilation).bias(false));
}

torch::Tensor upsample_to(const torch::Tensor& x, int64_t h, int64_t w) {
    return F::interpolate(x, F::InterpolateFuncOptions()
                                 .size(std::vector<int64_t>{h, w})
                                 .mode(torch::kBilinear)
                                 .align_corners(false));
}

}  // namespace

ASPPPoolingImpl::ASPPPoolingImpl(int64_t in, int64_t out) {
    register_module("0", nn::AdaptiveAvgPool2d(1));
    conv_ = register_module("1", conv_bn_free(in, out, 1));
    bn_ = register_module("2", SyncableBatchNorm2d(out));
    register_module("3", nn::ReLU());
}

torch::Tensor ASPPPoolingImpl::forward(torch::Tensor x) {
    const int64_t h = x.size(2), w = x.size(3);
    x = torch::relu(bn_(conv_(torch::adaptive_avg_pool2d(x, {1, 1}))));
    return upsample_to(x, h, w);
}

ASPPImpl::ASPPImpl(int64_t in, const std::vector<int64_t>& rates, int64_t out) {
    TORCH_CHECK(rates.size() == 3, "ASPP: torchvision's layout has three atrous rates");
    nn::ModuleList convs;
    branches_.push_back(
        nn::Sequential(conv_bn_free(in, out, 1), SyncableBatchNorm2d(out), nn::ReLU()));
    for (int64_t rate : rates)
        branches_.push_back(
            nn::Sequential(conv_bn_free(in, out, 3, rate), SyncableBatchNorm2d(out), nn::ReLU()));
    for (auto& b : branches_) convs->push_back(b);
    pooling_ = ASPPPooling(in, out);
    convs->push_back(pooling_);
    register_module("convs", convs);
    const auto branches = static_cast<int64_t>(branches_.size()) + 1;
    project_ = register_module(
        "project", nn::Sequential(conv_bn_free(branches * out, out, 1), SyncableBatchNorm2d(out),
                                  nn::ReLU(), nn::Dropout(0.5)));
}

torch::Tensor ASPPImpl::forward(torch::Tensor x) {
    std::vector<torch::Tensor> outs;
    for (auto& b : branches_) outs.push_back(b->forward(x));
    outs.push_back(pooling_(x));
    return project_->forward(torch::cat(outs, 1));
}

SegmentationModel::SegmentationModel(const SegmentationSpec& spec) : spec_(spec) {
    if (const auto* vit = std::get_if<ViTSpec>(&spec.backbone))
        backbone_ = register_module("backbone", ViTBackbone(*vit).ptr());
    else
        backbone_ =
            register_module("backbone", ResNetBackbone(std::get<ResNetSpec>(spec.backbone)).ptr());
    const int64_t in = backbone_->out_channels();
    classifier_ = std::make_shared<nn::Module>(spec.head == SegmentationHead::FCN ? "FCNHead"
                                                                                  : "DeepLabHead");
    auto add = [&](const std::string& index, auto module) {
        classifier_->register_module(index, module);
        layers_.emplace_back(module);
    };
    int64_t inner = 0;
    if (spec.head == SegmentationHead::FCN) {
        // torchvision's FCNHead: 3x3 conv to in/4, BN, ReLU, Dropout(0.1), 1x1 conv to classes.
        inner = in / 4;
        add("0", conv_bn_free(in, inner, 3));
        add("1", SyncableBatchNorm2d(inner));
        add("2", nn::ReLU());
        add("3", nn::Dropout(0.1));
    } else {
        // torchvision's DeepLabHead: ASPP, 3x3 conv, BN, ReLU, 1x1 conv to classes.
        inner = spec.aspp_channels;
        add("0", ASPP(in, spec.aspp_rates, inner));
        add("1", conv_bn_free(inner, inner, 3));
        add("2", SyncableBatchNorm2d(inner));
        add("3", nn::ReLU());
    }
    final_ = classifier_->register_module(
        "4", nn::Conv2d(nn::Conv2dOptions(inner, spec.num_classes, 1)));
    register_module("classifier", classifier_);
}

torch::Tensor SegmentationModel::forward(torch::Tensor images) {
    const int64_t h = images.size(2), w = images.size(3), multiple = backbone_->input_multiple();
    const int64_t padded_h = (h + multiple - 1) / multiple * multiple;
    const int64_t padded_w = (w + multiple - 1) / multiple * multiple;
    if (padded_h != h || padded_w != w)  // zeros: the normalised image's mean
        images = F::pad(images, F::PadFuncOptions({0, padded_w - w, 0, padded_h - h}));
    torch::Tensor x = backbone_->forward(images);
    for (auto& layer : layers_) x = layer.forward(x);
    x = upsample_to(final_(x), padded_h, padded_w);
    return padded_h != h || padded_w != w ? x.narrow(2, 0, h).narrow(3, 0, w) : x;
}

void SegmentationModel::reset_head(int64_t num_classes) {
    const auto options = final_->weight.options();
    final_ = classifier_->replace_module(
        "4", nn::Conv2d(nn::Conv2dOptions(final_->options.in_channels(), num_classes, 1)));
    final_->to(options.device(), options.dtype().toScalarType());
}

}  // namespace tpgm
