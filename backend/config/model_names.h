// SPDX-License-Identifier: GPL-3.0-or-later
// What a registry name says about its model, torch-free so that the config checks can ask.
#pragma once

#include <string>

namespace tpgm {

// Dense (per-pixel) models: a backbone with a segmentation head, torchvision's names.
inline bool is_segmentation_model(const std::string& name) {
    return name == "demo_fcn" || name == "demo_deeplabv3" || name == "fcn_resnet50" ||
           name == "deeplabv3_resnet50" || name == "fcn_vit_s16" || name == "fcn_vit_b16";
}

// The classifier whose weights a segmentation model's backbone takes ("" for other names).
inline std::string segmentation_backbone(const std::string& name) {
    if (name == "demo_fcn" || name == "demo_deeplabv3") return "demo_resnet";
    if (name == "fcn_resnet50" || name == "deeplabv3_resnet50") return "resnet50";
    if (name == "fcn_vit_s16") return "vit_s16";
    if (name == "fcn_vit_b16") return "vit_b16";
    return "";
}

}  // namespace tpgm
