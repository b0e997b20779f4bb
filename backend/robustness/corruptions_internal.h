// SPDX-License-Identifier: GPL-3.0-or-later
// Internal helpers shared by the corruption implementation files. Not part of the public API.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <random>

namespace tpgm::robustness::detail {

// The published ImageNet-C code assumes 224x224 inputs. Size-dependent parameters (blur radii,
// sigmas, pixel displacements) are multiplied by reference_scale(), the short side over 224, and
// weather layers (snow, frost, fog, spatter) are generated at reference_size() (short side 224,
// same aspect ratio) and resized to the image, so that a 224x224 image gets exactly the
// published recipe and other sizes get the same look relative to the image.
constexpr double kReferenceSide = 224.0;
double reference_scale(cv::Size size);
// Scale for pixel-valued blur/displacement parameters: reference_scale() clamped below at
// kMinPixelScale, so that images under 56 px (CIFAR, MNIST) are treated as 56 px and low
// severities still do something visible (close to the CIFAR-10-C parameter choices).
constexpr double kMinPixelScale = 0.25;
double pixel_scale(cv::Size size);
cv::Size reference_size(cv::Size size);
// Resizes a weather layer from the reference size to `size` (no-op when equal).
cv::Mat resize_layer(const cv::Mat& layer, cv::Size size);

// Local random source; never touches global RNG state.
class Rng {
  public:
    explicit Rng(std::uint64_t seed);
    // Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Uniform integer in [lo, hi) (numpy randint convention).
    int randint(int lo, int hi);
    std::uint64_t next() { return engine_(); }
    std::mt19937_64& engine() { return engine_; }
    // OpenCV generator for fast bulk normal/uniform fills (seeded from the same seed).
    cv::RNG& cv() { return cv_; }

  private:
    std::mt19937_64 engine_;
    cv::RNG cv_;
};

std::uint64_t splitmix64(std::uint64_t x);

// 8-bit image -> CV_32FC(n) in [0, 1], and back (x255, rounded, saturated).
cv::Mat to_float(const cv::Mat& u8);
cv::Mat to_u8(const cv::Mat& f);
// f * scale truncated to 8 bits like numpy's np.uint8(), where the published code truncates and
// it matters (sub-level changes). kTruncateSlack keeps float results a hair under an integer,
// such as k / 255 * 255 in float, at that integer.
constexpr double kTruncateSlack = 1e-3;
cv::Mat to_u8_truncated(const cv::Mat& f, double scale);

// Gray images go through BGR for colour-dependent corruptions and come back as gray.
cv::Mat as_bgr(const cv::Mat& u8);
cv::Mat like_input(const cv::Mat& bgr_u8, int channels);

// Diamond-square plasma fractal (ImageNet-C's plasma_fractal), CV_32F in [0, 1].
cv::Mat plasma_fractal(int mapsize, double wibble_decay, Rng& rng);
// ImageMagick-style one-sided motion blur (MagickMotionBlurImage): Gaussian weights over
// 2*ceil(radius)+1 taps along `angle_deg`, replicated borders. Any depth-32F image.
cv::Mat motion_blur_f32(const cv::Mat& src, double radius, double sigma, double angle_deg);
// ImageNet-C's clipped_zoom, added to `acc` (same size and type as `src`, depth 32F): the centred
// crop of ceil(side / factor) pixels, zoomed by scipy.ndimage.zoom(order=1) (corner-aligned,
// bilinear) and trimmed back to the image size from its top-left corner (resample.cpp).
void add_clipped_zoom(const cv::Mat& src, double factor, cv::Mat& acc);
// Pillow's Image.resize with BOX (8-bit fixed-point weights, horizontal pass first) and NEAREST
// on 8-bit images, bit-exact (resample.cpp).
cv::Mat pil_box_resize(const cv::Mat& u8, cv::Size size);
cv::Mat pil_nearest_resize(const cv::Mat& src, cv::Size size);
// skimage.filters.gaussian equivalent (truncate 4, 'nearest' border) for any depth.
cv::Mat sk_gaussian(const cv::Mat& src, double sigma);

// Glass blur's local shuffle: visits (y, x) from (h - d, w - d) down to (d + 1, d + 1),
// `iterations` times, and copies pixel (y + o.y, x + o.x) over (y, x) for o = next_offset()
// (published offsets lie in [-d, d - 1]). A copy, not a swap: the published "swap"
// `x[h, w], x[h', w'] = x[h', w'], x[h, w]` assigns through numpy views, so the first assignment
// copies pixel (h', w') over (h, w) and the second copies (h, w), already overwritten, back onto
// (h', w'), a no-op. ImageNet-C was made with this copy, which smears pixels further than a true
// swap would. A template so that the per-pixel draw inlines (8-bit, 1 or 3 channels).
template <typename NextOffset>
void glass_shuffle(cv::Mat& x, int max_delta, int iterations, NextOffset&& next_offset) {
    const int h = x.rows, w = x.cols, d = max_delta, ch = x.channels();
    for (int it = 0; it < iterations; ++it) {
        for (int yy = h - d; yy > d; --yy) {
            for (int xx = w - d; xx > d; --xx) {
                const cv::Point o = next_offset();
                const std::uint8_t* src = x.ptr<std::uint8_t>(yy + o.y) + (xx + o.x) * ch;
                std::uint8_t* dst = x.ptr<std::uint8_t>(yy) + xx * ch;
                dst[0] = src[0];
                if (ch == 3) {
                    dst[1] = src[1];
                    dst[2] = src[2];
                }
            }
        }
    }
}

// One function per corruption: validated 8-bit input (1 or 3 channels), severity 1..5.
cv::Mat gaussian_noise(const cv::Mat& img, int severity, Rng& rng);
cv::Mat shot_noise(const cv::Mat& img, int severity, Rng& rng);
cv::Mat impulse_noise(const cv::Mat& img, int severity, Rng& rng);
cv::Mat speckle_noise(const cv::Mat& img, int severity, Rng& rng);
cv::Mat defocus_blur(const cv::Mat& img, int severity);
cv::Mat glass_blur(const cv::Mat& img, int severity, Rng& rng);
cv::Mat motion_blur(const cv::Mat& img, int severity, Rng& rng);
cv::Mat zoom_blur(const cv::Mat& img, int severity);
cv::Mat gaussian_blur(const cv::Mat& img, int severity);
cv::Mat snow(const cv::Mat& img, int severity, Rng& rng);
cv::Mat frost(const cv::Mat& img, int severity, Rng& rng);
cv::Mat fog(const cv::Mat& img, int severity, Rng& rng);
cv::Mat spatter(const cv::Mat& img, int severity, Rng& rng);
cv::Mat brightness(const cv::Mat& img, int severity);
cv::Mat contrast(const cv::Mat& img, int severity);
cv::Mat elastic_transform(const cv::Mat& img, int severity, Rng& rng);
cv::Mat pixelate(const cv::Mat& img, int severity);
cv::Mat jpeg_compression(const cv::Mat& img, int severity);
cv::Mat saturate(const cv::Mat& img, int severity);

// Procedural frost texture (BGR, CV_8UC3) of the given size, standing in for ImageNet-C's frost
// photographs (frost.cpp): `photo` (0 .. kFrostPhotos - 1) selects whose colour statistics it
// takes; the two-argument form draws it as the published code draws its photograph.
constexpr int kFrostPhotos = 5;
cv::Mat frost_texture(cv::Size size, int photo, Rng& rng);
cv::Mat frost_texture(cv::Size size, Rng& rng);

}  // namespace tpgm::robustness::detail
