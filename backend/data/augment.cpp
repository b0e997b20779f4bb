// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/augment.h"

#include <torch/torch.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace tpgm {
namespace {

double uniform(std::mt19937_64& rng, double a, double b) {
    return a + (b - a) * (static_cast<double>(rng() >> 11) * (1.0 / 9007199254740992.0));
}

cv::Rect random_resized_crop(int w, int h, const AugmentOptions& o, std::mt19937_64& rng) {
    const double area = static_cast<double>(w) * h;
    for (int attempt = 0; attempt < 10; ++attempt) {
        const double target = area * uniform(rng, o.min_scale, o.max_scale);
        const double ratio = std::exp(uniform(rng, std::log(o.min_ratio), std::log(o.max_ratio)));
        const int cw = static_cast<int>(std::lround(std::sqrt(target * ratio)));
        const int ch = static_cast<int>(std::lround(std::sqrt(target / ratio)));
        if (cw > 0 && ch > 0 && cw <= w && ch <= h) {
            const int x = static_cast<int>(rng() % static_cast<uint64_t>(w - cw + 1));
            const int y = static_cast<int>(rng() % static_cast<uint64_t>(h - ch + 1));
            return {x, y, cw, ch};
        }
    }
    // Fallback (torchvision): centre crop at the nearest allowed aspect ratio.
    const double in_ratio = static_cast<double>(w) / h;
    int cw = w, ch = h;
    if (in_ratio < o.min_ratio)
        ch = static_cast<int>(std::lround(w / o.min_ratio));
    else if (in_ratio > o.max_ratio)
        cw = static_cast<int>(std::lround(h * o.max_ratio));
    cw = std::clamp(cw, 1, w);
    ch = std::clamp(ch, 1, h);
    return {(w - cw) / 2, (h - ch) / 2, cw, ch};
}

void jitter(cv::Mat& rgb, const AugmentOptions& o, std::mt19937_64& rng) {
    if (o.brightness <= 0 && o.contrast <= 0 && o.saturation <= 0) return;
    cv::Mat f;
    rgb.convertTo(f, CV_32FC3);
    if (o.brightness > 0) f *= uniform(rng, std::max(0.0, 1 - o.brightness), 1 + o.brightness);
    if (o.contrast > 0) {
        cv::Mat g;
        cv::cvtColor(f, g, cv::COLOR_RGB2GRAY);
        const double m = cv::mean(g)[0];
        const double c = uniform(rng, std::max(0.0, 1 - o.contrast), 1 + o.contrast);
        f.convertTo(f, CV_32FC3, c, (1 - c) * m);
    }
    if (o.saturation > 0) {
        cv::Mat g, g3;
        cv::cvtColor(f, g, cv::COLOR_RGB2GRAY);
        cv::cvtColor(g, g3, cv::COLOR_GRAY2RGB);
        const double s = uniform(rng, std::max(0.0, 1 - o.saturation), 1 + o.saturation);
        cv::addWeighted(f, s, g3, 1 - s, 0, f);
    }
    f.convertTo(rgb, CV_8UC3);  // saturates to [0, 255]
}

}  // namespace

cv::Mat augment_image(const cv::Mat& rgb, const AugmentOptions& o, std::mt19937_64& rng) {
    const int size = static_cast<int>(o.size);
    cv::Mat out;
    if (o.train) {
        const cv::Rect r = random_resized_crop(rgb.cols, rgb.rows, o, rng);
        cv::resize(rgb(r), out, cv::Size(size, size), 0, 0, cv::INTER_LINEAR);
        if (o.flip && (rng() & 1)) cv::flip(out, out, 1);
        jitter(out, o, rng);
    } else {
        const double shorter = std::lround(size * o.eval_resize);
        const double scale = shorter / std::min(rgb.rows, rgb.cols);
        cv::Mat resized;
        cv::resize(rgb, resized,
                   cv::Size(std::max(size, static_cast<int>(std::lround(rgb.cols * scale))),
                            std::max(size, static_cast<int>(std::lround(rgb.rows * scale)))),
                   0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
        out = resized(cv::Rect((resized.cols - size) / 2, (resized.rows - size) / 2, size, size))
                  .clone();
    }
    return out;
}

}  // namespace tpgm
