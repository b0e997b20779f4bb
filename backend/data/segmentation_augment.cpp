// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/segmentation_augment.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace tpgm {
namespace {

// OpenCV's INTER_NEAREST samples source pixel floor(x / s), a shift of up to half a source
// pixel against INTER_LINEAR's pixel-centre mapping; the exact variant uses the same centres
// as the bilinear image (and as PIL's NEAREST), so labels stay on their pixels.
constexpr int kMaskInterpolation = cv::INTER_NEAREST_EXACT;
constexpr int kIgnore = 255;

// The same draw as augment.cpp: 53 bits, so the stream of values is identical on every platform
// (std::uniform_real_distribution's differs between standard libraries).
double uniform(std::mt19937_64& rng, double a, double b) {
    return a + (b - a) * (static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0));
}

std::string size_text(const cv::Mat& m) {
    return std::to_string(m.cols) + "x" + std::to_string(m.rows);
}

void check_pair(const cv::Mat& image, const cv::Mat& mask, const char* who) {
    const std::string prefix = std::string(who) + ": ";
    if (image.empty()) throw std::invalid_argument(prefix + "the image is empty");
    if (image.type() != CV_8UC3 && image.type() != CV_8UC1)
        throw std::invalid_argument(prefix + "the image must be CV_8UC3 or CV_8UC1, got " +
                                    cv::typeToString(image.type()));
    if (mask.type() != CV_8UC1)
        throw std::invalid_argument(prefix + "the mask must be a single-channel 8-bit (CV_8UC1) " +
                                    "label map, got " + cv::typeToString(mask.type()) + " (" +
                                    size_text(mask) + ")");
    if (image.size() != mask.size())
        throw std::invalid_argument(prefix + "image and mask sizes differ: image " +
                                    size_text(image) + ", mask " + size_text(mask) +
                                    " (width x height)");
}

void check_options(const SegmentationAugmentOptions& o) {
    if (!(o.min_scale > 0) || !(o.max_scale >= o.min_scale) || !std::isfinite(o.max_scale))
        throw std::invalid_argument("augment_segmentation: need 0 < min_scale <= max_scale, got " +
                                    std::to_string(o.min_scale) + " and " +
                                    std::to_string(o.max_scale));
    if (o.crop < 0)
        throw std::invalid_argument("augment_segmentation: crop must be >= 0, got " +
                                    std::to_string(o.crop));
}

}  // namespace

ImageMask augment_segmentation(const cv::Mat& image, const cv::Mat& mask,
                               const SegmentationAugmentOptions& o, std::mt19937_64& rng) {
    check_pair(image, mask, "augment_segmentation");
    check_options(o);

    // Both outputs are written into fresh Mats (resize copies even at scale 1), which is what
    // keeps the inputs untouched and the outputs unaliased.
    const double s = uniform(rng, o.min_scale, o.max_scale);
    const cv::Size scaled(std::max(1, static_cast<int>(std::lround(image.cols * s))),
                          std::max(1, static_cast<int>(std::lround(image.rows * s))));
    ImageMask out;
    cv::resize(image, out.image, scaled, 0, 0, cv::INTER_LINEAR);
    cv::resize(mask, out.mask, scaled, 0, 0, kMaskInterpolation);

    if (o.crop > 0) {
        // Bottom/right padding as in torchvision's segmentation reference, so results compare.
        const int pad_x = std::max(0, o.crop - out.image.cols);
        const int pad_y = std::max(0, o.crop - out.image.rows);
        if (pad_x > 0 || pad_y > 0) {
            cv::copyMakeBorder(out.image, out.image, 0, pad_y, 0, pad_x, cv::BORDER_CONSTANT,
                               o.fill);
            cv::copyMakeBorder(out.mask, out.mask, 0, pad_y, 0, pad_x, cv::BORDER_CONSTANT,
                               cv::Scalar::all(kIgnore));
        }
        // Both offsets are drawn even when one range is empty, so the number of draws (and thus
        // what a shared rng yields next) does not depend on the image's size.
        const int x = static_cast<int>(rng() % static_cast<uint64_t>(out.image.cols - o.crop + 1));
        const int y = static_cast<int>(rng() % static_cast<uint64_t>(out.image.rows - o.crop + 1));
        const cv::Rect window(x, y, o.crop, o.crop);
        // clone(): continuous buffers for the tensor conversion, and the big scaled pair is freed.
        out.image = out.image(window).clone();
        out.mask = out.mask(window).clone();
    }

    if (o.flip && (rng() & 1)) {
        cv::flip(out.image, out.image, 1);
        cv::flip(out.mask, out.mask, 1);
    }
    return out;
}

ImageMask resize_for_evaluation(const cv::Mat& image, const cv::Mat& mask, int size) {
    check_pair(image, mask, "resize_for_evaluation");
    if (size <= 0) return {image.clone(), mask.clone()};
    const cv::Size target(size, size);
    ImageMask out;
    cv::resize(image, out.image, target, 0, 0, cv::INTER_LINEAR);
    cv::resize(mask, out.mask, target, 0, 0, kMaskInterpolation);
    return out;
}

}  // namespace tpgm
