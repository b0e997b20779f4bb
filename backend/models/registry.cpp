// SPDX-License-Identifier: GPL-3.0-or-later
#include "models/registry.h"

#include "config/model_names.h"
#include "models/resnet.h"
#include "models/segmentation.h"
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
        {"demo_fcn", "FCN head on the demo ResNet (output stride 4)"},
        {"demo_deeplabv3", "DeepLabV3 head (small ASPP) on the demo ResNet, output stride 4"},
        {"fcn_resnet50", "torchvision FCN-ResNet50 (output stride 8, no aux head)"},
        {"deeplabv3_resnet50", "torchvision DeepLabV3-ResNet50 (output stride 8, no aux head)"},
        {"fcn_vit_s16", "FCN head on ViT-S/16's patch tokens (output stride 16, timm names)"},
        {"fcn_vit_b16", "FCN head on ViT-B/16's patch tokens (output stride 16, timm names)"},
    };
}

std::shared_ptr<Classifier> create_model(const ModelSpec& spec) {
    if (spec.num_classes < 1 || spec.num_classes > kMaxClasses)
        throw std::invalid_argument("a model needs 1 to " + std::to_string(kMaxClasses) +
                                    " classes, not " + std::to_string(spec.num_classes));
    if (spec.in_channels < 1 || spec.in_channels > kMaxInChannels)
        throw std::invalid_argument("a model needs 1 to " + std::to_string(kMaxInChannels) +
                                    " input channels, not " + std::to_string(spec.in_channels));
    const std::string base =
        is_segmentation_model(spec.name) ? segmentation_backbone(spec.name) : spec.name;
    if (base == "vit_s16" || base == "vit_b16") {
        ViTSpec v = base == "vit_s16" ? ViTSpec::small16() : ViTSpec::base16();
        v.in_channels = spec.in_channels;
        v.num_classes = spec.num_classes;
        if (!is_segmentation_model(spec.name)) return std::make_shared<ViT>(v);
        // SETR-naive's idea with torchvision's FCN head: the patch tokens as a stride-16 map.
        SegmentationSpec seg;
        seg.backbone = v;
        seg.head = SegmentationHead::FCN;
        seg.num_classes = spec.num_classes;
        return std::make_shared<SegmentationModel>(seg);
    }
    ResNetSpec r;
    r.in_channels = spec.in_channels;
    r.num_classes = spec.num_classes;
    if (base == "demo_resnet") {
        const int w = spec.width;
        r.blocks = {1, 1, 1};
        r.widths = {w, 2 * w, 4 * w};
        r.small_input_stem = true;
    } else if (base == "resnet18") {
        r.blocks = {2, 2, 2, 2};
    } else if (base == "resnet34") {
        r.blocks = {3, 4, 6, 3};
    } else if (base == "resnet50") {
        r.blocks = {3, 4, 6, 3};
        r.bottleneck = true;
    } else {
        std::string names;
        for (const auto& [n, _] : model_catalogue()) names += (names.empty() ? "" : ", ") + n;
        throw std::invalid_argument("unknown model '" + spec.name + "' (known: " + names + ")");
    }
    if (!is_segmentation_model(spec.name)) return std::make_shared<ResNet>(r);

    SegmentationSpec seg;
    seg.num_classes = spec.num_classes;
    const bool demo = base == "demo_resnet";
    // torchvision dilates ResNet-50's last two stages (output stride 8). The demo keeps its
    // strides (output stride 4: 16x16 maps of 64 px scenes). With one block per stage,
    // torchvision's rule (a dilated stage's first block keeps the previous dilation) would only
    // drop the last stride: measured on seg_demo (ft, demo_fcn, 100 steps, 2 threads), stride 2
    // reached the same mIoU (12 % against 11 %) at 20 against 120-220 img/s (shared machine).
    r.dilate = demo ? std::vector<bool>{false, false} : std::vector<bool>{false, true, true};
    seg.backbone = r;
    seg.head = spec.name == "demo_fcn" || spec.name == "fcn_resnet50" ? SegmentationHead::FCN
                                                                      : SegmentationHead::DeepLabV3;
    if (demo) {
        // torchvision's 256 channels and rates 12/24/36 suit 2048-channel maps of ~65 px (513 px
        // crops at stride 8). The demo's map has 4w channels and 16 px: ASPP keeps 4w channels,
        // and rates 2/3/4 span 5, 7 and 9 cells (20-36 px of a 64 px scene, the items' scale)
        // while staying inside the map; image pooling adds the global context.
        seg.aspp_channels = 4 * static_cast<int64_t>(spec.width);
        seg.aspp_rates = {2, 3, 4};
    }
    return std::make_shared<SegmentationModel>(seg);
}

}  // namespace tpgm
