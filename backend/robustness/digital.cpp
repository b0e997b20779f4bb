// SPDX-License-Identifier: GPL-3.0-or-later
// Digital corruptions: brightness, contrast, elastic transform, pixelate, JPEG and saturate.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "robustness/corruptions_internal.h"

namespace tpgm::robustness::detail {

namespace {

// Per-severity parameters from Hendrycks & Dietterich's ImageNet-C code
// (github.com/hendrycks/robustness, ImageNet-C/create_c/make_imagenet_c.py):
constexpr std::array<double, 5> kBrightness = {0.1, 0.2, 0.3, 0.4, 0.5};  // added to HSV V
constexpr std::array<double, 5> kContrast = {0.4, 0.3, 0.2, 0.1, 0.05};   // factor about mean
constexpr std::array<double, 5> kPixelate = {0.6, 0.5, 0.4, 0.3, 0.25};   // BOX down-scale
constexpr std::array<int, 5> kJpegQuality = {25, 18, 15, 10, 7};          // JPEG quality
constexpr std::array<std::pair<double, double>, 5> kSaturate = {          // S*a + b
    {{0.3, 0}, {0.1, 0}, {2, 0}, {5, 0.1}, {20, 0.2}}};
struct ElasticParams {
    double alpha, sigma, affine;
};
// (alpha, sigma, alpha_affine) for 224x224; "244 should have been 224" in the published code.
// This is make_imagenet_c.py's recipe, which made ImageNet-C. The imagecorruptions package
// rewrote it (alpha 250 * 0.05 .. 0.12, sigma 1 % of the size, no affine), which changes images
// 4.2-4.4x less at severities 1-2; we keep the original (measured within 3 % of it).
constexpr std::array<ElasticParams, 5> kElastic = {{{244 * 2, 244 * 0.7, 244 * 0.1},
                                                    {244 * 2, 244 * 0.08, 244 * 0.2},
                                                    {244 * 0.05, 244 * 0.01, 244 * 0.02},
                                                    {244 * 0.07, 244 * 0.01, 244 * 0.02},
                                                    {244 * 0.12, 244 * 0.01, 244 * 0.02}}};

// gaussian(uniform(-1, 1, size), sigma, mode='reflect', truncate=3): smooth random field.
// For large sigma the white noise is drawn on a grid `f` times coarser with its variance
// scaled by f^2 (same as area-averaging the fine noise), blurred with sigma/f and upsampled,
// which gives the same field statistics at a fraction of the cost.
cv::Mat smooth_field(cv::Size size, double sigma, Rng& rng) {
    const int f = std::max(1, static_cast<int>(sigma / 4.0));
    const cv::Size coarse((size.width + f - 1) / f + 1, (size.height + f - 1) / f + 1);
    cv::Mat noise(coarse, CV_32F);
    rng.cv().fill(noise, cv::RNG::UNIFORM, cv::Scalar(-1.0 / f), cv::Scalar(1.0 / f));
    const double sc = sigma / f;
    const int radius = std::max(1, static_cast<int>(3.0 * sc + 0.5));
    cv::Mat smooth;
    cv::GaussianBlur(noise, smooth, cv::Size(2 * radius + 1, 2 * radius + 1), sc, sc,
                     cv::BORDER_REFLECT);
    if (f == 1) return smooth(cv::Rect(cv::Point(), size)).clone();
    cv::Mat up;
    cv::resize(smooth, up, cv::Size(coarse.width * f, coarse.height * f), 0, 0, cv::INTER_LINEAR);
    return up(cv::Rect(cv::Point(), size)).clone();
}

}  // namespace

cv::Mat brightness(const cv::Mat& img, int severity) {
    // HSV value + c, clipped: with H and S unchanged every channel scales by V'/V
    // (black pixels, where S = 0, become c).
    const double c = kBrightness[severity - 1];
    const int ch = img.channels();
    cv::Mat out(img.size(), img.type());
    for (int y = 0; y < img.rows; ++y) {
        const std::uint8_t* src = img.ptr<std::uint8_t>(y);
        std::uint8_t* dst = out.ptr<std::uint8_t>(y);
        for (int x = 0; x < img.cols; ++x) {
            const std::uint8_t* p = src + x * ch;
            int vmax = p[0];
            for (int k = 1; k < ch; ++k) vmax = std::max<int>(vmax, p[k]);
            const double v = vmax / 255.0;
            const double v2 = std::min(1.0, v + c);
            for (int k = 0; k < ch; ++k) {
                const double out_v = vmax == 0 ? v2 : p[k] / 255.0 * (v2 / v);
                dst[x * ch + k] = cv::saturate_cast<std::uint8_t>(out_v * 255.0);
            }
        }
    }
    return out;
}

cv::Mat contrast(const cv::Mat& img, int severity) {
    // (x - mean) * c + mean per channel, on [0, 1] values.
    const double c = kContrast[severity - 1];
    const cv::Scalar mean = cv::mean(img);
    const int ch = img.channels();
    cv::Mat lut(1, 256, CV_8UC(ch));
    for (int v = 0; v < 256; ++v) {
        for (int k = 0; k < ch; ++k) {
            const double m = mean[k] / 255.0;
            lut.ptr<std::uint8_t>(0)[v * ch + k] =
                cv::saturate_cast<std::uint8_t>(((v / 255.0 - m) * c + m) * 255.0);
        }
    }
    cv::Mat out;
    cv::LUT(img, lut, out);
    return out;
}

cv::Mat elastic_transform(const cv::Mat& img, int severity, Rng& rng) {
    // Sizes scale with the image (unclamped reference_scale, as the geometry is relative): sigma
    // and the affine jitter by s, alpha by s^2 (the smoothed field's amplitude falls as 1/sigma,
    // so this keeps displacements proportional to s).
    const double s = reference_scale(img.size());
    const ElasticParams p = kElastic[severity - 1];
    const double alpha = p.alpha * s * s, sigma = p.sigma * s, affine = p.affine * s;
    const cv::Size size = img.size();

    // Random affine: jitter three points around the centre.
    const cv::Point2f center(static_cast<float>(size.width / 2),
                             static_cast<float>(size.height / 2));
    const float sq = static_cast<float>(std::max(1, std::min(size.width, size.height) / 3));
    const std::array<cv::Point2f, 3> src_pts = {cv::Point2f(center.x + sq, center.y + sq),
                                                cv::Point2f(center.x + sq, center.y - sq),
                                                cv::Point2f(center.x - sq, center.y - sq)};
    std::array<cv::Point2f, 3> dst_pts = src_pts;
    for (auto& q : dst_pts) {
        q.x += static_cast<float>(rng.uniform(-affine, affine));
        q.y += static_cast<float>(rng.uniform(-affine, affine));
    }
    // The published code warps with M and then samples at (x + dx, y + dy); we fold both into one
    // remap through M^-1 (one interpolation instead of two).
    cv::Mat inv = cv::getAffineTransform(dst_pts.data(), src_pts.data());
    const cv::Mat dx = smooth_field(size, sigma, rng) * alpha;
    const cv::Mat dy = smooth_field(size, sigma, rng) * alpha;
    cv::Mat map_x(size, CV_32F), map_y(size, CV_32F);
    const double* m = inv.ptr<double>();
    for (int y = 0; y < size.height; ++y) {
        const float* ddx = dx.ptr<float>(y);
        const float* ddy = dy.ptr<float>(y);
        float* mx = map_x.ptr<float>(y);
        float* my = map_y.ptr<float>(y);
        for (int x = 0; x < size.width; ++x) {
            const double px = x + ddx[x], py = y + ddy[x];
            mx[x] = static_cast<float>(m[0] * px + m[1] * py + m[2]);
            my[x] = static_cast<float>(m[3] * px + m[4] * py + m[5]);
        }
    }
    cv::Mat out;
    cv::remap(img, out, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_REFLECT_101);
    return out;
}

cv::Mat pixelate(const cv::Mat& img, int severity) {
    // Pillow BOX down-scale to int(c * size), then Pillow NEAREST up-scale back, bit for bit.
    const double c = kPixelate[severity - 1];
    const cv::Size small(std::max(1, static_cast<int>(img.cols * c)),
                         std::max(1, static_cast<int>(img.rows * c)));
    return pil_nearest_resize(pil_box_resize(img, small), img.size());
}

cv::Mat jpeg_compression(const cv::Mat& img, int severity) {
    std::vector<std::uint8_t> buffer;
    const std::vector<int> params = {cv::IMWRITE_JPEG_QUALITY, kJpegQuality[severity - 1]};
    if (!cv::imencode(".jpg", img, buffer, params)) {
        throw std::runtime_error("jpeg_compression: JPEG encoding failed");
    }
    return cv::imdecode(buffer, img.channels() == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
}

cv::Mat saturate(const cv::Mat& input, int severity) {
    // HSV saturation S' = clip(S*a + b, 0, 1) with H and V kept. A channel is V*(1 - S*g(H)),
    // so it becomes V - (V - channel) * S'/S; grey pixels have hue 0 (red), as in skimage.
    const auto [a, b] = kSaturate[severity - 1];
    const cv::Mat img = as_bgr(input);
    cv::Mat out(img.size(), CV_8UC3);
    for (int y = 0; y < img.rows; ++y) {
        const cv::Vec3b* src = img.ptr<cv::Vec3b>(y);
        cv::Vec3b* dst = out.ptr<cv::Vec3b>(y);
        for (int x = 0; x < img.cols; ++x) {
            const cv::Vec3b p = src[x];
            const int vmax = std::max({p[0], p[1], p[2]});
            const int vmin = std::min({p[0], p[1], p[2]});
            if (vmax == 0) {
                dst[x] = p;
                continue;
            }
            const double sat = static_cast<double>(vmax - vmin) / vmax;
            const double sat2 = std::clamp(sat * a + b, 0.0, 1.0);
            if (vmax == vmin) {  // hue 0: R = V, G = B = V * (1 - S')
                const auto low = cv::saturate_cast<std::uint8_t>(vmax * (1.0 - sat2));
                dst[x] = cv::Vec3b(low, low, static_cast<std::uint8_t>(vmax));
                continue;
            }
            const double ratio = sat2 / sat;
            for (int k = 0; k < 3; ++k) {
                dst[x][k] = cv::saturate_cast<std::uint8_t>(vmax - (vmax - p[k]) * ratio);
            }
        }
    }
    return like_input(out, input.channels());
}

}  // namespace tpgm::robustness::detail
