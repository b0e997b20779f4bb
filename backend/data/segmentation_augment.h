// SPDX-License-Identifier: GPL-3.0-or-later
// Joint image/mask augmentation for semantic segmentation (the torchvision segmentation
// reference's random scale, pad-if-smaller + random crop, and flip). Every geometric step is
// applied to both so that labels stay on their pixels; the mask is only ever resampled with
// nearest neighbour, because interpolating a label map invents classes at region borders.
// OpenCV-only: the tensors are made afterwards (voc_pair_tensors).
#pragma once

#include <opencv2/core.hpp>

#include <random>

namespace tpgm {

// How one training pair is augmented.
struct SegmentationAugmentOptions {
    double min_scale = 0.5, max_scale = 2.0;  // the scale factor is uniform in this range
    int crop = 0;  // side of the square crop; 0 keeps the whole scaled pair (no crop, no padding)
    bool flip = true;  // horizontal flip of both with probability 1/2
    // Image padding where the scaled pair is smaller than the crop, in the image's channel order
    // (only [0] for a grey image). The default is the ImageNet mean in RGB (the VOC loader's
    // order), which normalises to about zero; the mask is padded with 255 so padding is ignored.
    cv::Scalar fill = {124, 116, 104};
};

// An image and its label map of the same size.
struct ImageMask {
    cv::Mat image, mask;
};

// Random scale (image bilinear, mask nearest), then, when crop > 0, padding to at least
// crop x crop (bottom and right) and a random crop x crop window, then a random horizontal flip.
// `image` is CV_8UC3 or CV_8UC1; `mask` is a CV_8UC1 label map (255 = ignore) of the same size.
// The result is a pure function of the inputs, the options and the state of `rng` (which it
// advances): the same seed gives the same pair on every run and thread. The outputs never share
// memory with the inputs, which are left untouched. Throws std::invalid_argument for an empty
// or unsupported image, a mask that is not CV_8UC1, sizes that differ (both named), or
// options out of range.
ImageMask augment_segmentation(const cv::Mat& image, const cv::Mat& mask,
                               const SegmentationAugmentOptions& o, std::mt19937_64& rng);

// Evaluation resize to size x size (image bilinear, mask nearest), so that batches stack;
// size <= 0 keeps full resolution (copies of the inputs). Deterministic; throws like
// augment_segmentation for bad inputs.
ImageMask resize_for_evaluation(const cv::Mat& image, const cv::Mat& mask, int size);

}  // namespace tpgm
