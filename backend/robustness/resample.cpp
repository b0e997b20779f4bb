// SPDX-License-Identifier: GPL-3.0-or-later
// Resampling as the Python libraries behind ImageNet-C do it, so that pixelate and zoom blur give
// the published outputs: Pillow's BOX and NEAREST resize (pixelate) and scipy.ndimage.zoom with
// order=1 (zoom blur's clipped_zoom). OpenCV has no exact equivalent of any of the three:
// INTER_AREA weighs partially covered pixels by their coverage where BOX takes whole pixels,
// and cv::resize / warpAffine place samples on pixel centres with 5-bit fixed-point weights
// where scipy aligns corners and interpolates in double precision.
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "robustness/corruptions_internal.h"

namespace tpgm::robustness::detail {

namespace {

// Pillow's 8-bit resampling keeps filter weights as fixed-point integers with this many
// fractional bits (32 bits less 8 for the pixel value and 2 for overflow).
constexpr int kPilPrecisionBits = 22;

// One output sample of a separable filter: the first input index and its integer weights.
struct Taps {
    int first = 0;
    std::vector<std::int32_t> weights;
};

// Pillow's coefficients for a BOX filter taking `in` samples to `out` (box = whole image): the
// window of output sample i is centred on (i + 0.5) * scale; input sample j belongs to it when
// (j + 0.5 - centre) / max(scale, 1) lies in (-0.5, 0.5], and all members weigh the same.
std::vector<Taps> pil_box_taps(int in, int out) {
    const double scale = static_cast<double>(static_cast<float>(in)) / out;
    const double filterscale = std::max(scale, 1.0);
    const double support = 0.5 * filterscale;
    std::vector<Taps> taps(out);
    for (int i = 0; i < out; ++i) {
        const double centre = (i + 0.5) * scale;
        const int lo = std::max(0, static_cast<int>(centre - support + 0.5));
        const int hi = std::min(in, static_cast<int>(centre + support + 0.5));
        std::vector<double> w;
        double total = 0.0;
        for (int j = lo; j < hi; ++j) {
            const double x = (j - centre + 0.5) / filterscale;
            w.push_back(x > -0.5 && x <= 0.5 ? 1.0 : 0.0);
            total += w.back();
        }
        taps[i].first = lo;
        for (double v : w) {
            const double norm = total != 0.0 ? v / total : v;
            taps[i].weights.push_back(
                static_cast<std::int32_t>(0.5 + norm * (1 << kPilPrecisionBits)));
        }
    }
    return taps;
}

std::uint8_t pil_clip8(std::int64_t acc) {
    return cv::saturate_cast<std::uint8_t>(acc >> kPilPrecisionBits);
}

// One pass of Pillow's two-pass resample, along x (horizontal) or y, on 8-bit data.
cv::Mat pil_pass(const cv::Mat& src, const std::vector<Taps>& taps, bool horizontal) {
    const int ch = src.channels();
    const cv::Size size = horizontal ? cv::Size(static_cast<int>(taps.size()), src.rows)
                                     : cv::Size(src.cols, static_cast<int>(taps.size()));
    cv::Mat dst(size, src.type());
    constexpr std::int64_t kHalf = std::int64_t{1} << (kPilPrecisionBits - 1);
    for (int y = 0; y < dst.rows; ++y) {
        std::uint8_t* d = dst.ptr<std::uint8_t>(y);
        for (int x = 0; x < dst.cols; ++x) {
            const Taps& t = taps[horizontal ? x : y];
            for (int c = 0; c < ch; ++c) {
                std::int64_t acc = kHalf;
                for (std::size_t k = 0; k < t.weights.size(); ++k) {
                    const int j = t.first + static_cast<int>(k);
                    const std::uint8_t v = horizontal ? src.ptr<std::uint8_t>(y)[j * ch + c]
                                                      : src.ptr<std::uint8_t>(j)[x * ch + c];
                    acc += static_cast<std::int64_t>(v) * t.weights[k];
                }
                d[x * ch + c] = pil_clip8(acc);
            }
        }
    }
    return dst;
}

// Pillow's nearest-neighbour source index for each output index: it walks the source coordinate
// in steps of in/out from half a step, truncating (the running sum matters at exact integers).
std::vector<int> pil_nearest_index(int in, int out) {
    const double step = static_cast<double>(static_cast<float>(in)) / out;
    std::vector<int> index(out);
    double pos = step * 0.5;
    for (int i = 0; i < out; ++i) {
        index[i] = std::min(in - 1, pos < 0.0 ? 0 : static_cast<int>(pos));
        pos += step;
    }
    return index;
}

// scipy.ndimage.zoom(order=1) along one axis, corner-aligned: output sample o reads input
// coordinate o * (in - 1) / (out - 1), linearly interpolated. Only the first `keep` outputs are
// needed (the published clipped_zoom trims the zoomed crop back to the image size).
struct LinearTap {
    int i0 = 0, i1 = 0;
    float w0 = 1.f, w1 = 0.f;
};

std::vector<LinearTap> scipy_linear_taps(int first, int in, int out, int keep) {
    const double ratio = out > 1 ? static_cast<double>(in - 1) / (out - 1) : 1.0;
    std::vector<LinearTap> taps(keep);
    for (int o = 0; o < keep; ++o) {
        const double cc = o * ratio;
        const int lo = std::min(static_cast<int>(std::floor(cc)), in - 1);
        const double t = cc - lo;
        taps[o].i0 = first + lo;
        taps[o].i1 = first + std::min(lo + 1, in - 1);
        taps[o].w0 = static_cast<float>(1.0 - t);
        taps[o].w1 = static_cast<float>(t);
    }
    return taps;
}

}  // namespace

void add_clipped_zoom(const cv::Mat& src, double factor, cv::Mat& acc) {
    CV_Assert(src.depth() == CV_32F && acc.type() == src.type() && acc.size() == src.size());
    const int h = src.rows, w = src.cols, ch = src.channels();
    // Centred crop of ceil(side / factor) pixels, zoomed to round(crop * factor) >= side samples,
    // of which the first `side` are kept.
    const int crop_h = static_cast<int>(std::ceil(h / factor));
    const int crop_w = static_cast<int>(std::ceil(w / factor));
    const int top = (h - crop_h) / 2, left = (w - crop_w) / 2;
    // scipy sizes the output with Python's round(), which rounds halves to even.
    const int out_h = static_cast<int>(std::nearbyint(crop_h * factor));
    const int out_w = static_cast<int>(std::nearbyint(crop_w * factor));
    const std::vector<LinearTap> ys = scipy_linear_taps(top, crop_h, out_h, h);
    const std::vector<LinearTap> xs = scipy_linear_taps(left, crop_w, out_w, w);
    // Horizontal pass over the crop's rows, then the vertical blend straight into acc.
    cv::Mat rows(crop_h, w, src.type());
    for (int r = 0; r < crop_h; ++r) {
        const float* s = src.ptr<float>(top + r);
        float* d = rows.ptr<float>(r);
        if (ch == 3) {  // the common case, unrolled
            for (int x = 0; x < w; ++x, d += 3) {
                const LinearTap& t = xs[x];
                const float* a = s + 3 * t.i0;
                const float* b = s + 3 * t.i1;
                d[0] = t.w0 * a[0] + t.w1 * b[0];
                d[1] = t.w0 * a[1] + t.w1 * b[1];
                d[2] = t.w0 * a[2] + t.w1 * b[2];
            }
            continue;
        }
        for (int x = 0; x < w; ++x) {
            const LinearTap& t = xs[x];
            for (int c = 0; c < ch; ++c) {
                d[x * ch + c] = t.w0 * s[t.i0 * ch + c] + t.w1 * s[t.i1 * ch + c];
            }
        }
    }
    const int n = w * ch;
    for (int y = 0; y < h; ++y) {
        const LinearTap& t = ys[y];
        const float* r0 = rows.ptr<float>(t.i0 - top);
        const float* r1 = rows.ptr<float>(t.i1 - top);
        float* a = acc.ptr<float>(y);
        for (int i = 0; i < n; ++i) a[i] += t.w0 * r0[i] + t.w1 * r1[i];
    }
}

cv::Mat pil_box_resize(const cv::Mat& u8, cv::Size size) {
    cv::Mat out = u8;
    if (size.width != u8.cols) out = pil_pass(out, pil_box_taps(u8.cols, size.width), true);
    if (size.height != u8.rows) out = pil_pass(out, pil_box_taps(u8.rows, size.height), false);
    return out.data == u8.data ? u8.clone() : out;
}

cv::Mat pil_nearest_resize(const cv::Mat& src, cv::Size size) {
    const std::vector<int> xs = pil_nearest_index(src.cols, size.width);
    const std::vector<int> ys = pil_nearest_index(src.rows, size.height);
    const std::size_t px = src.elemSize();
    cv::Mat dst(size, src.type());
    for (int y = 0; y < size.height; ++y) {
        const std::uint8_t* s = src.ptr<std::uint8_t>(ys[y]);
        std::uint8_t* d = dst.ptr<std::uint8_t>(y);
        for (int x = 0; x < size.width; ++x) std::copy_n(s + xs[x] * px, px, d + x * px);
    }
    return dst;
}

}  // namespace tpgm::robustness::detail
