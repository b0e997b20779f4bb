// SPDX-License-Identifier: GPL-3.0-or-later
// Weather corruptions: snow, frost, fog and spatter, plus the plasma fractal they rely on.
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "robustness/corruptions_internal.h"

namespace tpgm::robustness::detail {

namespace {

// Per-severity parameters from Hendrycks & Dietterich's ImageNet-C code
// (github.com/hendrycks/robustness, ImageNet-C/create_c/make_imagenet_c.py). The layers are built
// at reference_size() (short side 224) where these pixel values apply, then resized.
constexpr std::array<std::pair<double, double>, 5> kFog = {  // (strength, wibble decay)
    {{1.5, 2}, {2, 2}, {2.5, 1.7}, {2.5, 1.5}, {3, 1.4}}};
constexpr std::array<std::pair<double, double>, 5> kFrost = {  // (image weight, frost weight)
    {{1, 0.4}, {0.8, 0.6}, {0.7, 0.7}, {0.65, 0.7}, {0.6, 0.75}}};
struct SnowParams {
    double loc, scale, zoom, threshold, radius, sigma, blend;
};
constexpr std::array<SnowParams, 5> kSnow = {{{0.1, 0.3, 3, 0.5, 10, 4, 0.8},
                                              {0.2, 0.3, 2, 0.5, 12, 4, 0.7},
                                              {0.55, 0.3, 4, 0.9, 12, 8, 0.7},
                                              {0.55, 0.3, 4.5, 0.85, 12, 8, 0.65},
                                              {0.55, 0.3, 2.5, 0.85, 12, 12, 0.55}}};
struct SpatterParams {
    double loc, scale, sigma, threshold, intensity;
    bool mud;
};
constexpr std::array<SpatterParams, 5> kSpatter = {{{0.65, 0.3, 4, 0.69, 0.6, false},
                                                    {0.65, 0.3, 3, 0.68, 0.6, false},
                                                    {0.65, 0.3, 2, 0.68, 0.5, false},
                                                    {0.65, 0.3, 1, 0.65, 1.5, true},
                                                    {0.67, 0.4, 1, 0.65, 1.5, true}}};

int next_power_of_2(int x) {
    int p = 1;
    while (p < x) p *= 2;
    return p;
}

}  // namespace

cv::Mat plasma_fractal(int mapsize, double wibble_decay, Rng& rng) {
    const int n = mapsize;
    cv::Mat map(n, n, CV_64F, cv::Scalar(0));
    auto at = [&](int y, int x) -> double& { return map.at<double>(y, x); };
    double wibble = 100.0;
    // wibbledmean() of the published code: mean of four neighbours plus uniform noise in
    // wibble * [-wibble, wibble]. np.roll wraps around, hence the modular indices.
    auto wmean = [&](double sum) { return sum / 4.0 + wibble * rng.uniform(-wibble, wibble); };
    for (int step = n; step >= 2; step /= 2) {
        const int half = step / 2;
        // fillsquares: centres of squares from their four corners.
        for (int y = 0; y < n; y += step) {
            for (int x = 0; x < n; x += step) {
                const int y1 = (y + step) % n, x1 = (x + step) % n;
                at(y + half, x + half) = wmean(at(y, x) + at(y1, x) + at(y, x1) + at(y1, x1));
            }
        }
        // filldiamonds: edge midpoints from the two adjacent centres and two corners.
        for (int y = 0; y < n; y += step) {
            for (int x = 0; x < n; x += step) {
                const int yc = (y - half + n) % n;
                at(y, x + half) = wmean(at(y + half, x + half) + at(yc, x + half) + at(y, x) +
                                        at(y, (x + step) % n));
                const int xc = (x - half + n) % n;
                at(y + half, x) = wmean(at(y + half, x + half) + at(y + half, xc) + at(y, x) +
                                        at((y + step) % n, x));
            }
        }
        wibble /= wibble_decay;
    }
    double lo = 0, hi = 0;
    cv::minMaxLoc(map, &lo, &hi);
    cv::Mat out;
    map.convertTo(out, CV_32F, hi > lo ? 1.0 / (hi - lo) : 0.0, hi > lo ? -lo / (hi - lo) : 0.0);
    return out;
}

cv::Mat fog(const cv::Mat& img, int severity, Rng& rng) {
    const auto [strength, decay] = kFog[severity - 1];
    const cv::Size ref = reference_size(img.size());
    const int mapsize = std::max(256, next_power_of_2(std::max(ref.width, ref.height)));
    const cv::Mat layer = resize_layer(
        plasma_fractal(mapsize, decay, rng)(cv::Rect(0, 0, ref.width, ref.height)), img.size());
    double lo = 0, max_val = 0;
    cv::minMaxLoc(img.reshape(1), &lo, &max_val);
    max_val /= 255.0;
    const double k = max_val / (max_val + strength) * 255.0;
    cv::Mat out(img.size(), img.type());
    const int ch = img.channels();
    for (int y = 0; y < img.rows; ++y) {
        const std::uint8_t* src = img.ptr<std::uint8_t>(y);
        const float* fl = layer.ptr<float>(y);
        std::uint8_t* dst = out.ptr<std::uint8_t>(y);
        for (int x = 0; x < img.cols; ++x) {
            const double add = strength * fl[x];
            for (int c = 0; c < ch; ++c) {
                dst[x * ch + c] = cv::saturate_cast<std::uint8_t>(
                    std::min(1.0, (src[x * ch + c] / 255.0 + add) * k / 255.0) * 255.0);
            }
        }
    }
    return out;
}

cv::Mat snow(const cv::Mat& img, int severity, Rng& rng) {
    const SnowParams p = kSnow[severity - 1];
    const cv::Size ref = reference_size(img.size());
    cv::Mat layer(ref, CV_32F);
    rng.cv().fill(layer, cv::RNG::NORMAL, cv::Scalar(p.loc), cv::Scalar(p.scale));
    cv::Mat zoomed(ref, CV_32F, cv::Scalar(0));
    add_clipped_zoom(layer, p.zoom, zoomed);
    layer = zoomed;
    cv::threshold(layer, layer, p.threshold, 0.0, cv::THRESH_TOZERO);
    cv::min(layer, 1.0, layer);
    // The published code round-trips the layer through 8-bit PNGs around Wand's motion blur.
    cv::Mat q;
    layer.convertTo(q, CV_8U, 255.0);
    q.convertTo(layer, CV_32F);
    layer = motion_blur_f32(layer, p.radius, p.sigma, rng.uniform(-135.0, -45.0));
    layer.convertTo(q, CV_8U);
    q.convertTo(layer, CV_32F, 1.0 / 255.0);
    layer = resize_layer(layer, img.size());
    cv::Mat flipped;
    cv::flip(layer, flipped, -1);
    layer += flipped;

    cv::Mat f = to_float(img);
    cv::Mat gray;
    if (img.channels() == 3) {
        cv::cvtColor(f, gray, cv::COLOR_BGR2GRAY);
    } else {
        gray = f;
    }
    const int ch = img.channels();
    cv::Mat out(img.size(), img.type());
    for (int y = 0; y < img.rows; ++y) {
        const float* fx = f.ptr<float>(y);
        const float* g = gray.ptr<float>(y);
        const float* l = layer.ptr<float>(y);
        std::uint8_t* dst = out.ptr<std::uint8_t>(y);
        for (int x = 0; x < img.cols; ++x) {
            const double bright = g[x] * 1.5 + 0.5;
            for (int c = 0; c < ch; ++c) {
                const double v = fx[x * ch + c];
                const double mixed = p.blend * v + (1 - p.blend) * std::max(v, bright);
                dst[x * ch + c] =
                    cv::saturate_cast<std::uint8_t>(std::min(1.0, mixed + l[x]) * 255.0);
            }
        }
    }
    return out;
}

// The published frost blends a random crop of a frost photograph; ours blends a generated texture
// with the photographs' colour statistics (frost.cpp), with the published weights.
cv::Mat frost(const cv::Mat& img, int severity, Rng& rng) {
    const auto [w_img, w_frost] = kFrost[severity - 1];
    cv::Mat tex = resize_layer(frost_texture(reference_size(img.size()), rng), img.size());
    if (img.channels() == 1) cv::cvtColor(tex, tex, cv::COLOR_BGR2GRAY);
    cv::Mat out;
    cv::addWeighted(img, w_img, tex, w_frost, 0.0, out);  // saturates to [0, 255]
    return out;
}

cv::Mat spatter(const cv::Mat& input, int severity, Rng& rng) {
    const SpatterParams p = kSpatter[severity - 1];
    const cv::Mat img = as_bgr(input);
    const cv::Size ref = reference_size(img.size());
    cv::Mat liquid(ref, CV_32F);
    rng.cv().fill(liquid, cv::RNG::NORMAL, cv::Scalar(p.loc), cv::Scalar(p.scale));
    liquid = sk_gaussian(liquid, p.sigma);
    cv::threshold(liquid, liquid, p.threshold, 0.0, cv::THRESH_TOZERO);

    cv::Mat f = to_float(img);
    if (!p.mud) {
        // Water drops: a relief of the liquid layer's edges, tinted pale turquoise. The published
        // code truncates the layer and the blurred distance map to 8 bits (np.uint8) and weights
        // by the 8-bit layer; rounding the distance map instead shifts equalizeHist's mapping
        // and makes the drops 14-24 % stronger at severities 2-3, so we truncate as it does.
        const cv::Mat l8 = to_u8_truncated(liquid, 255.0);
        cv::Mat edges, dist;
        cv::Canny(l8, edges, 50, 150);
        cv::distanceTransform(255 - edges, dist, cv::DIST_L2, 5);
        cv::threshold(dist, dist, 20, 20, cv::THRESH_TRUNC);
        cv::blur(dist, dist, cv::Size(3, 3));
        cv::Mat d8 = to_u8_truncated(dist, 1.0);
        cv::equalizeHist(d8, d8);
        const cv::Matx33f ker(-2, -1, 0, -1, 1, 1, 0, 1, 2);
        cv::Mat relief;
        cv::filter2D(d8, relief, CV_8U, ker);
        cv::blur(relief, d8, cv::Size(3, 3));
        d8.convertTo(dist, CV_32F);
        cv::Mat m;
        l8.convertTo(m, CV_32F);
        m = m.mul(dist);
        double lo = 0, hi = 0;
        cv::minMaxLoc(m, &lo, &hi);
        m *= hi > 0 ? p.intensity / hi : 0.0;
        m = resize_layer(m, img.size());
        const cv::Vec3f turquoise(238 / 255.f, 238 / 255.f, 175 / 255.f);  // BGR of (175,238,238)
        for (int y = 0; y < f.rows; ++y) {
            cv::Vec3f* px = f.ptr<cv::Vec3f>(y);
            const float* mm = m.ptr<float>(y);
            for (int x = 0; x < f.cols; ++x) px[x] += mm[x] * turquoise;
        }
    } else {
        // Mud: opaque brown blots where the blurred liquid mask is dense.
        cv::Mat mask;
        cv::threshold(liquid, mask, p.threshold, 1.0, cv::THRESH_BINARY);
        mask = sk_gaussian(mask, p.intensity);
        cv::threshold(mask, mask, 0.8, 0.0, cv::THRESH_TOZERO);
        mask = resize_layer(mask, img.size());
        const cv::Vec3f brown(20 / 255.f, 42 / 255.f, 63 / 255.f);  // BGR of (63,42,20)
        for (int y = 0; y < f.rows; ++y) {
            cv::Vec3f* px = f.ptr<cv::Vec3f>(y);
            const float* mm = mask.ptr<float>(y);
            for (int x = 0; x < f.cols; ++x) px[x] = px[x] * (1.f - mm[x]) + brown * mm[x];
        }
    }
    // Truncated like the published np.uint8(): drop edges change pixels by fractions of a level,
    // which rounding would count (2 % more change at severity 1 on a flat image, 300 draws).
    return like_input(to_u8_truncated(f, 255.0), input.channels());
}

}  // namespace tpgm::robustness::detail
