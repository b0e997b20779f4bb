// SPDX-License-Identifier: GPL-3.0-or-later
// Photograph augmentation on OpenCV images: torchvision's RandomResizedCrop, flip and colour
// jitter for training, resize + centre crop for evaluation; and normalisation into floats.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <random>

namespace tpgm {

// How one image is augmented (training) or cropped (evaluation).
struct AugmentOptions {
    int64_t size = 224;
    bool train = true;  // random resized crop + flip + jitter, else centre crop
    double min_scale = 0.08, max_scale = 1.0;  // RandomResizedCrop area range
    double min_ratio = 3.0 / 4.0, max_ratio = 4.0 / 3.0;
    bool flip = true;
    double brightness = 0.0, contrast = 0.0, saturation = 0.0;  // torchvision ColorJitter strengths
    double eval_resize = 256.0 / 224.0;  // eval: shorter side to size * this, then centre crop
};

// One RGB uint8 image to a `size` x `size` RGB uint8 image (crop, resize, flip, jitter).
cv::Mat augment_image(const cv::Mat& rgb, const AugmentOptions& options, std::mt19937_64& rng);

}  // namespace tpgm
