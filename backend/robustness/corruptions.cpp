// SPDX-License-Identifier: GPL-3.0-or-later
// Corruption registry, validation, dispatch and the helpers shared by all corruption files.
#include "robustness/corruptions.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

#include "robustness/corruptions_internal.h"

namespace tpgm::robustness {

namespace {

constexpr std::array<std::string_view, 19> kNames = {
    "gaussian_noise",
    "shot_noise",
    "impulse_noise",
    "defocus_blur",
    "glass_blur",
    "motion_blur",
    "zoom_blur",
    "snow",
    "frost",
    "fog",
    "brightness",
    "contrast",
    "elastic_transform",
    "pixelate",
    "jpeg_compression",
    "speckle_noise",
    "gaussian_blur",
    "spatter",
    "saturate",
};

}  // namespace

const std::vector<Corruption>& all_corruptions() {
    static const std::vector<Corruption> all = [] {
        std::vector<Corruption> v;
        for (int i = 0; i < static_cast<int>(kNames.size()); ++i) v.push_back(Corruption(i));
        return v;
    }();
    return all;
}

const std::vector<Corruption>& benchmark_corruptions() {
    static const std::vector<Corruption> bench(all_corruptions().begin(),
                                               all_corruptions().begin() + 15);
    return bench;
}

std::string_view corruption_name(Corruption c) {
    const auto i = static_cast<std::size_t>(c);
    if (i >= kNames.size()) throw std::invalid_argument("corruption_name: unknown corruption");
    return kNames[i];
}

std::optional<Corruption> corruption_from_name(std::string_view name) {
    for (std::size_t i = 0; i < kNames.size(); ++i) {
        if (kNames[i] == name) return Corruption(static_cast<int>(i));
    }
    return std::nullopt;
}

cv::Mat corrupt(const cv::Mat& image, Corruption c, int severity, std::uint64_t seed) {
    using namespace detail;
    const auto index = static_cast<std::size_t>(c);
    if (index >= kNames.size()) throw std::invalid_argument("corrupt: unknown corruption");
    const std::string name(kNames[index]);
    if (image.empty()) throw std::invalid_argument("corrupt(" + name + "): empty image");
    if (image.type() != CV_8UC1 && image.type() != CV_8UC3) {
        throw std::invalid_argument("corrupt(" + name +
                                    "): unsupported image type (need CV_8UC1 or CV_8UC3, got " +
                                    cv::typeToString(image.type()) + ")");
    }
    if (severity < 1 || severity > 5) {
        throw std::invalid_argument("corrupt(" + name + "): severity " + std::to_string(severity) +
                                    " outside 1..5");
    }
    // OpenCV filters read pixels outside a ROI view as if they were border; work on a copy.
    cv::Size whole;
    cv::Point offset;
    image.locateROI(whole, offset);
    const cv::Mat img = whole == image.size() ? image : image.clone();
    // One independent stream per (seed, corruption, severity).
    Rng rng(splitmix64(splitmix64(seed) ^ (static_cast<std::uint64_t>(index + 1) << 32) ^
                       static_cast<std::uint64_t>(severity)));
    switch (c) {
        case Corruption::GaussianNoise:
            return gaussian_noise(img, severity, rng);
        case Corruption::ShotNoise:
            return shot_noise(img, severity, rng);
        case Corruption::ImpulseNoise:
            return impulse_noise(img, severity, rng);
        case Corruption::DefocusBlur:
            return defocus_blur(img, severity);
        case Corruption::GlassBlur:
            return glass_blur(img, severity, rng);
        case Corruption::MotionBlur:
            return motion_blur(img, severity, rng);
        case Corruption::ZoomBlur:
            return zoom_blur(img, severity);
        case Corruption::Snow:
            return snow(img, severity, rng);
        case Corruption::Frost:
            return frost(img, severity, rng);
        case Corruption::Fog:
            return fog(img, severity, rng);
        case Corruption::Brightness:
            return brightness(img, severity);
        case Corruption::Contrast:
            return contrast(img, severity);
        case Corruption::Elastic:
            return elastic_transform(img, severity, rng);
        case Corruption::Pixelate:
            return pixelate(img, severity);
        case Corruption::Jpeg:
            return jpeg_compression(img, severity);
        case Corruption::SpeckleNoise:
            return speckle_noise(img, severity, rng);
        case Corruption::GaussianBlur:
            return gaussian_blur(img, severity);
        case Corruption::Spatter:
            return spatter(img, severity, rng);
        case Corruption::Saturate:
            return saturate(img, severity);
    }
    throw std::invalid_argument("corrupt: unknown corruption");
}

namespace detail {

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

Rng::Rng(std::uint64_t seed)
    : engine_(seed), cv_(splitmix64(seed ^ 0x5851f42d4c957f2dULL) | 1ULL) {}

int Rng::randint(int lo, int hi) {
    const auto span = static_cast<std::uint64_t>(hi - lo);
    return lo + static_cast<int>((engine_() >> 32) * span >> 32);
}

double reference_scale(cv::Size size) {
    return std::min(size.width, size.height) / kReferenceSide;
}

double pixel_scale(cv::Size size) {
    return std::max(reference_scale(size), kMinPixelScale);
}

cv::Size reference_size(cv::Size size) {
    const double s = reference_scale(size);
    return {std::max(1, static_cast<int>(std::lround(size.width / s))),
            std::max(1, static_cast<int>(std::lround(size.height / s)))};
}

cv::Mat resize_layer(const cv::Mat& layer, cv::Size size) {
    if (layer.size() == size) return layer;
    cv::Mat out;
    const bool shrink = size.width < layer.cols;
    cv::resize(layer, out, size, 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
    return out;
}

cv::Mat to_float(const cv::Mat& u8) {
    cv::Mat f;
    u8.convertTo(f, CV_32F, 1.0 / 255.0);
    return f;
}

cv::Mat to_u8(const cv::Mat& f) {
    cv::Mat u8;
    f.convertTo(u8, CV_8U, 255.0);
    return u8;
}

cv::Mat to_u8_truncated(const cv::Mat& f, double scale) {
    // convertTo rounds to nearest, so floor(v + slack) is round(v + slack - 0.5).
    cv::Mat u8;
    f.convertTo(u8, CV_8U, scale, kTruncateSlack - 0.5);
    return u8;
}

cv::Mat as_bgr(const cv::Mat& u8) {
    if (u8.channels() == 3) return u8;
    cv::Mat bgr;
    cv::cvtColor(u8, bgr, cv::COLOR_GRAY2BGR);
    return bgr;
}

cv::Mat like_input(const cv::Mat& bgr_u8, int channels) {
    if (channels == 3) return bgr_u8;
    cv::Mat gray;
    cv::cvtColor(bgr_u8, gray, cv::COLOR_BGR2GRAY);
    return gray;
}

cv::Mat sk_gaussian(const cv::Mat& src, double sigma) {
    if (sigma <= 0.0) return src.clone();
    const int radius = static_cast<int>(4.0 * sigma + 0.5);
    cv::Mat out;
    cv::GaussianBlur(src, out, cv::Size(2 * radius + 1, 2 * radius + 1), sigma, sigma,
                     cv::BORDER_REPLICATE);
    return out;
}

}  // namespace detail
}  // namespace tpgm::robustness
