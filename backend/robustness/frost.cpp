// SPDX-License-Identifier: GPL-3.0-or-later
// Procedural frost texture. ImageNet-C overlays one of six frost photographs; this project ships
// no image files, so the texture is grown instead: feathery ice dendrites (random-walk branches
// with side branches) over a cloudy plasma-fractal haze, tinted blue-white, with an overall
// brightness similar to the published frost crops (mean around 0.4 of full scale).
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "robustness/corruptions_internal.h"

namespace tpgm::robustness::detail {

namespace {

void grow_branch(cv::Mat& canvas, cv::Point2d p, double angle, double length, double intensity,
                 int depth, double step, Rng& rng) {
    const int thickness = 1;
    for (double walked = 0.0; walked < length; walked += step) {
        angle += rng.uniform(-0.25, 0.25);
        const cv::Point2d q(p.x + step * std::cos(angle), p.y + step * std::sin(angle));
        cv::line(canvas, cv::Point(cvRound(p.x * 16), cvRound(p.y * 16)),
                 cv::Point(cvRound(q.x * 16), cvRound(q.y * 16)), cv::Scalar(intensity), thickness,
                 cv::LINE_AA, 4);
        p = q;
        if (depth > 0 && rng.uniform() < 0.35) {
            const double side = rng.uniform() < 0.5 ? 1.0 : -1.0;
            grow_branch(canvas, p, angle + side * rng.uniform(0.8, 1.3),
                        (length - walked) * rng.uniform(0.25, 0.55), intensity * 0.85, depth - 1,
                        step, rng);
        }
    }
}

}  // namespace

cv::Mat frost_texture(cv::Size size, Rng& rng) {
    const double scale = std::min(size.width, size.height) / kReferenceSide;
    // Cloudy haze.
    int mapsize = 1;
    while (mapsize < std::max(size.width, size.height)) mapsize *= 2;
    cv::Mat haze = plasma_fractal(std::max(mapsize, 2), 1.8, rng)(cv::Rect(cv::Point(), size));
    // Ice dendrites.
    cv::Mat ice(size, CV_32F, cv::Scalar(0));
    const int seeds = std::max(4, static_cast<int>(size.area() / 1200.0));
    const double step = std::max(1.0, 3.0 * scale);
    for (int i = 0; i < seeds; ++i) {
        const cv::Point2d start(rng.uniform(0, size.width), rng.uniform(0, size.height));
        grow_branch(ice, start, rng.uniform(0, 2 * CV_PI), rng.uniform(25, 70) * scale,
                    rng.uniform(0.55, 1.0), 2, step, rng);
    }
    cv::Mat glow = sk_gaussian(ice, 1.5 * scale);
    cv::Mat t = 0.12 + 0.45 * haze + 0.8 * ice + 0.9 * glow;
    // Fine crystalline grain.
    cv::Mat grain(size, CV_32F);
    rng.cv().fill(grain, cv::RNG::UNIFORM, cv::Scalar(0.0), cv::Scalar(0.08));
    t += grain;
    cv::min(t, 1.0, t);
    cv::Mat out(size, CV_8UC3);
    for (int y = 0; y < size.height; ++y) {
        const float* tv = t.ptr<float>(y);
        cv::Vec3b* px = out.ptr<cv::Vec3b>(y);
        for (int x = 0; x < size.width; ++x) {
            const float v = tv[x] * 255.f;
            px[x] = cv::Vec3b(cv::saturate_cast<std::uint8_t>(v),
                              cv::saturate_cast<std::uint8_t>(v * 0.96f),
                              cv::saturate_cast<std::uint8_t>(v * 0.90f));
        }
    }
    return out;
}

}  // namespace tpgm::robustness::detail
