// SPDX-License-Identifier: GPL-3.0-or-later
// Procedural frost texture. ImageNet-C overlays a random crop of one of five frost photographs
// (frost1-5 of the published code; a sixth ships but is never drawn). This project ships no
// image files, so the texture is generated instead: a dense field of feathery ice fronds over a
// cloudy plasma-fractal haze. Its structure is then standardised and given, per colour channel,
// the mean and spread that a random crop of the corresponding photograph has, so that blending
// it in (weather.cpp, frost()) changes images as much as the photographs do.
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>

#include "robustness/corruptions_internal.h"

namespace tpgm::robustness::detail {

namespace {

// Statistics of the published photographs as ImageNet-C uses them on a 224x224 image
// (imagecorruptions' frost(): 1.1x INTER_CUBIC rescale, random 224x224 crop), measured over 400
// crops of each: per-channel mean and within-crop standard deviation (BGR, 0-255), and the
// standard deviation of a crop's mean between crops.
struct FrostPhoto {
    std::array<double, 3> mean, spread;
    double crop_mean_sd;
};
constexpr std::array<FrostPhoto, kFrostPhotos> kPhotos = {
    {{{{164.5, 147.8, 76.3}}, {{13.1, 13.7, 22.6}}, 9.7},     // frost1.png: turquoise ice
     {{{212.3, 203.0, 198.6}}, {{19.8, 19.1, 18.6}}, 6.8},    // frost2.png: white feathers
     {{{211.6, 202.3, 197.9}}, {{20.0, 19.3, 18.7}}, 6.7},    // frost3.png: white feathers
     {{{172.3, 159.4, 144.7}}, {{27.0, 25.7, 25.6}}, 7.5},    // frost4.jpg: grey-blue crystals
     {{{124.3, 112.4, 101.0}}, {{33.4, 34.1, 34.5}}, 12.6}},  // frost5.jpg: dark glass, ferns
};

// Frond layout at the reference size (224 px short side); lengths scale with the image.
constexpr double kFrondsPer224Square = 260;    // fronds on a 224x224 texture
constexpr double kStemMin = 8, kStemMax = 32;  // stem length, px
constexpr double kBarbSpacing = 2.5;           // px between barbs along the stem
constexpr double kBarbRatio = 0.35;            // barb length / stem length at the stem's base
constexpr double kHazeWeight = 0.9;            // haze vs fronds (fronds span 0..1)
constexpr double kHazeDecay = 1.8;             // plasma fractal wibble decay
constexpr double kSoften = 0.6;                // final Gaussian sigma, px (photo optics)

cv::Point fixed_point(cv::Point2d p) {  // cv::line's 4 fractional bits
    return {cvRound(p.x * 16), cvRound(p.y * 16)};
}

// One frond: a slightly curving stem with barbs on both sides that lean towards its tip and
// shorten along it, like the feather crystals of the photographs.
void draw_frond(cv::Mat& canvas, double scale, Rng& rng) {
    cv::Point2d p(rng.uniform(0, canvas.cols), rng.uniform(0, canvas.rows));
    double angle = rng.uniform(0, 2 * CV_PI);
    const double length = rng.uniform(kStemMin, kStemMax) * scale;
    const double lean = rng.uniform(0.5, 1.0);  // barb angle from the stem, radians
    const double step = kBarbSpacing * scale;
    const cv::Scalar ink(rng.uniform(110, 255));
    for (double walked = 0.0; walked < length; walked += step) {
        angle += rng.uniform(-0.08, 0.08);
        const cv::Point2d q(p.x + step * std::cos(angle), p.y + step * std::sin(angle));
        cv::line(canvas, fixed_point(p), fixed_point(q), ink, 1, cv::LINE_AA, 4);
        const double barb = kBarbRatio * (length - walked) * rng.uniform(0.6, 1.0);
        for (const double side : {-1.0, 1.0}) {
            const double a = angle + side * lean;
            const cv::Point2d tip(q.x + barb * std::cos(a), q.y + barb * std::sin(a));
            cv::line(canvas, fixed_point(q), fixed_point(tip), ink * 0.8, 1, cv::LINE_AA, 4);
        }
        p = q;
    }
}

}  // namespace

cv::Mat frost_texture(cv::Size size, int photo, Rng& rng) {
    const double scale = std::min(size.width, size.height) / kReferenceSide;
    int mapsize = 2;
    while (mapsize < std::max(size.width, size.height)) mapsize *= 2;
    const cv::Mat haze = plasma_fractal(mapsize, kHazeDecay, rng)(cv::Rect(cv::Point(), size));
    cv::Mat fronds(size, CV_8U, cv::Scalar(0));
    const int count =
        std::max(4, static_cast<int>(kFrondsPer224Square * size.area() / (224.0 * 224.0)));
    for (int i = 0; i < count; ++i) draw_frond(fronds, scale, rng);
    cv::Mat structure;
    fronds.convertTo(structure, CV_32F, 1.0 / 255.0);
    structure += kHazeWeight * haze;
    structure = sk_gaussian(structure, kSoften * scale);

    // Standardise, then give each channel the photograph's spread and mean (the mean of this
    // crop drawn around the photograph's, as crops of one photograph differ).
    cv::Scalar mu, sd;
    cv::meanStdDev(structure, mu, sd);
    const FrostPhoto& ph = kPhotos[static_cast<std::size_t>(photo)];
    const double shift = rng.uniform(-1.0, 1.0) * std::sqrt(3.0) * ph.crop_mean_sd;
    cv::Mat out(size, CV_8UC3);
    const double inv = sd[0] > 0 ? 1.0 / sd[0] : 0.0;
    for (int y = 0; y < size.height; ++y) {
        const float* s = structure.ptr<float>(y);
        cv::Vec3b* px = out.ptr<cv::Vec3b>(y);
        for (int x = 0; x < size.width; ++x) {
            const double z = (s[x] - mu[0]) * inv;
            for (int c = 0; c < 3; ++c) {
                px[x][c] = cv::saturate_cast<std::uint8_t>(ph.mean[c] + shift + ph.spread[c] * z);
            }
        }
    }
    return out;
}

cv::Mat frost_texture(cv::Size size, Rng& rng) {
    return frost_texture(size, rng.randint(0, kFrostPhotos), rng);  // np.random.randint(5)
}

}  // namespace tpgm::robustness::detail
