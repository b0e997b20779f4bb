// SPDX-License-Identifier: GPL-3.0-or-later
// Blur corruptions: defocus, glass, motion, zoom and gaussian blur.
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>
#include <vector>

#include "robustness/corruptions_internal.h"

namespace tpgm::robustness::detail {

namespace {

// Per-severity parameters from Hendrycks & Dietterich's ImageNet-C code
// (github.com/hendrycks/robustness, ImageNet-C/create_c/make_imagenet_c.py), for 224x224 images.
// Pixel-valued parameters are multiplied by pixel_scale() (short side / 224, at least 0.25).
constexpr std::array<std::pair<double, double>, 5> kDefocus = {  // (disk radius, alias blur)
    {{3, 0.1}, {4, 0.5}, {6, 0.5}, {8, 0.5}, {10, 0.5}}};
struct GlassParams {
    double sigma;
    int max_delta;
    int iterations;
};
constexpr std::array<GlassParams, 5> kGlass = {  // (sigma, max_delta, iterations)
    {{0.7, 1, 2}, {0.9, 2, 1}, {1, 2, 3}, {1.1, 3, 2}, {1.5, 4, 2}}};
constexpr std::array<std::pair<double, double>, 5> kMotion = {  // Wand (radius, sigma)
    {{10, 3}, {15, 5}, {15, 8}, {15, 12}, {20, 15}}};
constexpr std::array<double, 5> kGaussianBlurSigma = {1, 2, 3, 4, 6};  // gaussian_blur
// zoom_blur: the zoom factors are np.arange(1, stop, step) with these (stop, step); note that
// np.arange(1, 1.11, 0.01) has 12 values (1.00 .. 1.11), as float rounding puts 1.11 in range.
// Relative, so size-independent.
constexpr std::array<std::pair<double, double>, 5> kZoom = {
    {{1.11, 0.01}, {1.16, 0.01}, {1.21, 0.02}, {1.26, 0.02}, {1.31, 0.03}}};

// numpy.arange(start, stop, step) for float64: ceil((stop - start) / step) values
// start + i * ((start + step) - start), bit for bit (the exact factor decides crop sizes).
std::vector<double> numpy_arange(double start, double stop, double step) {
    const auto n = static_cast<int>(std::ceil((stop - start) / step));
    const double delta = (start + step) - start;
    std::vector<double> v;
    for (int i = 0; i < n; ++i) v.push_back(start + i * delta);
    return v;
}

// ImageNet-C's disk(): normalised aliased disk, antialiased by a small Gaussian. Radii below 2 px
// (small images) would alias to a single pixel, so there each cell gets its area coverage
// (8x8 supersampling) instead.
cv::Mat disk_kernel(double radius, double alias_blur) {
    const int ksize = radius <= 8.0 ? 3 : 5;
    const int half = static_cast<int>(std::ceil(radius)) + ksize / 2;
    cv::Mat k(2 * half + 1, 2 * half + 1, CV_32F, cv::Scalar(0));
    const int sub = radius < 2.0 ? 8 : 1;
    for (int y = -half; y <= half; ++y) {
        for (int x = -half; x <= half; ++x) {
            int inside = 0;
            for (int i = 0; i < sub; ++i) {
                for (int j = 0; j < sub; ++j) {
                    const double yy = sub == 1 ? y : y - 0.5 + (i + 0.5) / sub;
                    const double xx = sub == 1 ? x : x - 0.5 + (j + 0.5) / sub;
                    inside += xx * xx + yy * yy <= radius * radius;
                }
            }
            k.at<float>(y + half, x + half) = static_cast<float>(inside) / (sub * sub);
        }
    }
    k /= cv::sum(k)[0];
    cv::Mat smooth;
    cv::GaussianBlur(k, smooth, cv::Size(ksize, ksize), std::max(alias_blur, 1e-3));
    return smooth;
}

}  // namespace

cv::Mat motion_blur_f32(const cv::Mat& src, double radius, double sigma, double angle_deg) {
    if (radius <= 0.0 || sigma <= 0.0) return src.clone();
    const int width = 2 * static_cast<int>(std::ceil(radius)) + 1;
    const double a = angle_deg * CV_PI / 180.0;
    std::vector<double> weight(width);
    double total = 0.0;
    for (int i = 0; i < width; ++i) {
        weight[i] = std::exp(-(i * i) / (2.0 * sigma * sigma));
        total += weight[i];
    }
    std::vector<std::pair<cv::Point, double>> taps;
    int pad = 0;
    for (int i = 0; i < width; ++i) {
        const double w = weight[i] / total;
        if (w < 1e-6) continue;  // below 1/255 of a grey level in sum
        const cv::Point o(static_cast<int>(std::ceil(i * std::cos(a) - 0.5)),
                          static_cast<int>(std::ceil(i * std::sin(a) - 0.5)));
        pad = std::max({pad, std::abs(o.x), std::abs(o.y)});
        taps.emplace_back(o, w);
    }
    cv::Mat padded;
    cv::copyMakeBorder(src, padded, pad, pad, pad, pad, cv::BORDER_REPLICATE);
    cv::Mat dst(src.size(), src.type(), cv::Scalar::all(0));
    for (const auto& [o, w] : taps) {
        const cv::Mat roi = padded(cv::Rect(pad + o.x, pad + o.y, src.cols, src.rows));
        cv::scaleAdd(roi, w, dst, dst);
    }
    return dst;
}

cv::Mat defocus_blur(const cv::Mat& img, int severity) {
    const double s = pixel_scale(img.size());
    const auto [radius, alias] = kDefocus[severity - 1];
    cv::Mat f;
    cv::filter2D(img, f, CV_32F, disk_kernel(radius * s, alias * s));
    cv::Mat out;
    f.convertTo(out, CV_8U);
    return out;
}

cv::Mat glass_blur(const cv::Mat& img, int severity, Rng& rng) {
    const double s = pixel_scale(img.size());
    const GlassParams p = kGlass[severity - 1];
    const double sigma = p.sigma * s;
    const int d = std::max(1, static_cast<int>(std::lround(p.max_delta * s)));
    // The published code blurs in float and truncates to 8 bits (np.uint8) before the shuffle.
    cv::Mat f;
    img.convertTo(f, CV_32F);
    f = sk_gaussian(f, sigma);
    cv::Mat x = to_u8_truncated(f, 1.0);
    glass_shuffle(x, d, p.iterations, [&rng, d] {
        const std::uint64_t r = rng.next();  // two numpy-style randint(-d, d) draws
        return cv::Point(static_cast<int>(((r >> 32) * (2ULL * d)) >> 32) - d,
                         static_cast<int>(((r & 0xffffffffULL) * (2ULL * d)) >> 32) - d);
    });
    return sk_gaussian(x, sigma);
}

cv::Mat motion_blur(const cv::Mat& img, int severity, Rng& rng) {
    const double s = pixel_scale(img.size());
    const auto [radius, sigma] = kMotion[severity - 1];
    const double angle = rng.uniform(-45.0, 45.0);
    cv::Mat f;
    img.convertTo(f, CV_32F);
    cv::Mat out;
    motion_blur_f32(f, radius * s, sigma * s, angle).convertTo(out, CV_8U);
    return out;
}

cv::Mat zoom_blur(const cv::Mat& img, int severity) {
    const auto [stop, step] = kZoom[severity - 1];
    // Output = (x + sum over factors of clipped_zoom(x, factor)) / (count + 1); the first factor
    // is 1, whose clipped_zoom is x itself.
    const std::vector<double> factors = numpy_arange(1.0, stop, step);
    cv::Mat x;
    img.convertTo(x, CV_32F);
    cv::Mat acc = x * 2.0;
    for (std::size_t i = 1; i < factors.size(); ++i) add_clipped_zoom(x, factors[i], acc);
    cv::Mat out;
    acc.convertTo(out, CV_8U, 1.0 / static_cast<double>(factors.size() + 1));
    return out;
}

cv::Mat gaussian_blur(const cv::Mat& img, int severity) {
    return sk_gaussian(img, kGaussianBlurSigma[severity - 1] * pixel_scale(img.size()));
}

}  // namespace tpgm::robustness::detail
