// SPDX-License-Identifier: GPL-3.0-or-later
// Noise corruptions: gaussian, shot (Poisson), impulse (salt & pepper) and speckle noise.
#include <opencv2/core.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "robustness/corruptions_internal.h"

namespace tpgm::robustness::detail {

namespace {

// Per-severity parameters from Hendrycks & Dietterich's ImageNet-C code
// (github.com/hendrycks/robustness, ImageNet-C/create_c/make_imagenet_c.py and
// ImageNet-C/imagenet_c/imagenet_c/corruptions.py), on images scaled to [0, 1]:
constexpr std::array<double, 5> kGaussianSigma = {0.08, 0.12, 0.18, 0.26, 0.38};  // gaussian_noise
constexpr std::array<double, 5> kShotPhotons = {60, 25, 12, 5, 3};                // shot_noise
constexpr std::array<double, 5> kImpulseAmount = {0.03, 0.06, 0.09, 0.17, 0.27};  // impulse_noise
constexpr std::array<double, 5> kSpeckleSigma = {0.15, 0.2, 0.35, 0.45, 0.6};     // speckle_noise
// Noise is per pixel, so none of these depend on the image size.

cv::Mat normal_noise(const cv::Mat& like, double sigma, Rng& rng) {
    cv::Mat noise(like.size(), CV_MAKETYPE(CV_32F, like.channels()));
    rng.cv().fill(noise, cv::RNG::NORMAL, cv::Scalar::all(0.0), cv::Scalar::all(sigma));
    return noise;
}

// Exact Poisson sampler for the 256 possible rates v/255*c, by inverse CDF with a guide table.
struct PoissonTable {
    static constexpr int kGuide = 64;
    std::vector<double> cdf;
    std::array<int, kGuide> guide{};
    std::vector<std::uint8_t> value;  // output pixel for each count k

    PoissonTable(double lambda, double photons) {
        const int kmax = static_cast<int>(lambda + 12.0 * std::sqrt(lambda) + 16.0);
        double p = std::exp(-lambda);
        double acc = 0.0;
        for (int k = 0; k <= kmax; ++k) {
            acc += p;
            cdf.push_back(acc);
            p *= lambda / (k + 1);
            value.push_back(cv::saturate_cast<std::uint8_t>(std::min(k / photons, 1.0) * 255.0));
        }
        cdf.back() = 2.0;  // absorb the (negligible) tail
        int k = 0;
        for (int g = 0; g < kGuide; ++g) {
            while (cdf[k] <= static_cast<double>(g) / kGuide) ++k;
            guide[g] = k;
        }
    }

    std::uint8_t sample(double u) const {
        int k = guide[static_cast<int>(u * kGuide)];
        while (cdf[k] <= u) ++k;
        return value[k];
    }
};

}  // namespace

cv::Mat gaussian_noise(const cv::Mat& img, int severity, Rng& rng) {
    cv::Mat f = to_float(img);
    f += normal_noise(f, kGaussianSigma[severity - 1], rng);
    return to_u8(f);
}

cv::Mat shot_noise(const cv::Mat& img, int severity, Rng& rng) {
    const double c = kShotPhotons[severity - 1];
    std::vector<PoissonTable> tables;
    tables.reserve(256);
    for (int v = 0; v < 256; ++v) tables.emplace_back(v / 255.0 * c, c);
    cv::Mat out(img.size(), img.type());
    const int n = img.cols * img.channels();
    for (int y = 0; y < img.rows; ++y) {
        const std::uint8_t* src = img.ptr<std::uint8_t>(y);
        std::uint8_t* dst = out.ptr<std::uint8_t>(y);
        for (int i = 0; i < n; ++i) dst[i] = tables[src[i]].sample(rng.uniform());
    }
    return out;
}

cv::Mat impulse_noise(const cv::Mat& img, int severity, Rng& rng) {
    // skimage.util.random_noise(mode='s&p', amount=c): each value independently becomes 0 or 1
    // with probability c, salt and pepper equally likely.
    const auto threshold = static_cast<std::uint64_t>(kImpulseAmount[severity - 1] * 0x1.0p32);
    cv::Mat out = img.clone();
    const int n = img.cols * img.channels();
    for (int y = 0; y < img.rows; ++y) {
        std::uint8_t* dst = out.ptr<std::uint8_t>(y);
        for (int i = 0; i < n; ++i) {
            const std::uint64_t r = rng.next();
            if ((r >> 32) < threshold) dst[i] = (r & 1ULL) ? 255 : 0;
        }
    }
    return out;
}

cv::Mat speckle_noise(const cv::Mat& img, int severity, Rng& rng) {
    cv::Mat f = to_float(img);
    cv::Mat noise = normal_noise(f, kSpeckleSigma[severity - 1], rng);
    noise += cv::Scalar::all(1.0);
    return to_u8(f.mul(noise));
}

}  // namespace tpgm::robustness::detail
