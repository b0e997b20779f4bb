// SPDX-License-Identifier: GPL-3.0-or-later
#include "models/registry.h"

#include "models/resnet.h"
#include "models/vit.h"

#include <stdexcept>

namespace tpgm {

std::vector<std::pair<std::string, std::string>> model_catalogue() {
    return {
        {"demo_resnet", "3-stage BasicBlock ResNet for 28-32 px images (the demo backbone)"},
        {"resnet18", "torchvision ResNet-18"},
        {"resnet34", "torchvision ResNet-34"},
        {"resnet50", "torchvision ResNet-50"},
        {"vit_s16", "ViT-S/16, 224 px, timm parameter names"},
        {"vit_b16", "ViT-B/16, 224 px, timm parameter names"},
    };
}

std::shared_ptr<Classifier> create_model(const ModelSpec& spec) {
    if (spec.num_classes < 1 || spec.num_classes > kMaxClasses)
        throw std::invalid_argument("a model needs 1 to " + std::to_string(kMaxClasses) +
                                    " classes, not " + std::to_string(spec.num_classes));
    if (spec.in_channels < 1 || spec.in_channels > kMaxInChannels)
        throw std::invalid_argument("a model needs 1 to " + std::to_string(kMaxInChannels) +
                                    " input channels, not " + std::to_string(spec.in_channels));
    if (spec.name == "vit_s16" || spec.name == "vit_b16") {
        ViTSpec v = spec.name == "vit_s16" ? ViTSpec::small16() : ViTSpec::base16();
        v.in_channels = spec.in_channels;
        v.num_classes = spec.num_classes;
        return std::make_shared<ViT>(v);
    }
    ResNetSpec r;
    r.in_channels = spec.in_channels;
    r.num_classes = spec.num_classes;
    if (spec.name == "demo_resnet") {
        const int w = spec.width;
        r.blocks = {1, 1, 1};
        r.widths = {w, 2 * w, 4 * w};
        r.small_input_stem = true;
    } else if (spec.name == "resnet18") {
        r.blocks = {2, 2, 2, 2};
    } else if (spec.name == "resnet34") {
        r.blocks = {3, 4, 6, 3};
    } else if (spec.name == "resnet50") {
        r.blocks = {3, 4, 6, 3};
        r.bottleneck = true;
    } else {
        std::string names;
        for (const auto& [n, _] : model_catalogue()) names += (names.empty() ? "" : ", ") + n;
        throw std::invalid_argument("unknown model '" + spec.name + "' (known: " + names + ")");
    }
    return std::make_shared<ResNet>(r);
}

}  // namespace tpgm
