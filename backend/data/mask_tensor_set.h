// SPDX-License-Identifier: GPL-3.0-or-later
// In-memory segmentation sets (the segmentation demo's scenes): images and label maps as
// tensors, trained with the joint image/mask augmentation of data/segmentation_augment.
#pragma once

#include "data/image_set.h"

#include <opencv2/core.hpp>

namespace tpgm {

// How a training pair of a mask tensor set is augmented: a random scale, a crop back to the
// scene size and a flip, applied to image and mask alike.
struct MaskAugment {
    double min_scale = 0.75, max_scale = 1.5;
    cv::Scalar fill = {0};  // image padding where a scaled-down scene is smaller than the crop
};

// A dense ImageSet over uint8 images [N, C, S, S] (C 1 or 3) and label maps [N, S, S] (uint8 or
// int64; kIgnoreLabel unscored). Evaluation returns them as they are. Throws
// std::invalid_argument for mismatched shapes.
ImageSetPtr make_mask_tensor_set(torch::Tensor images, torch::Tensor masks, SetInfo info,
                                 MaskAugment augment = {});

}  // namespace tpgm
