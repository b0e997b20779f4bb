// SPDX-License-Identifier: GPL-3.0-or-later
// ImageNet-C corruption family on cv::Mat (Hendrycks & Dietterich, ICLR 2019), deterministic given
// a seed. Each corruption follows the published code (make_imagenet_c.py, which made the dataset,
// and the imagecorruptions package where the two agree) with its published parameters, which sit
// in named tables in blur.cpp, digital.cpp, noise.cpp and weather.cpp. Two deliberate departures:
// elastic_transform keeps the original script's recipe, which the package later rewrote, and
// frost overlays a generated texture with the published photographs' colour statistics instead
// of the photographs (frost.cpp). Parameters, departures and side-by-side measurements per
// corruption: docs/CORRUPTIONS.md.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tpgm::robustness {

// The 15 benchmark corruptions followed by the 4 extra ones, in ImageNet-C order.
enum class Corruption {
    GaussianNoise,
    ShotNoise,
    ImpulseNoise,
    DefocusBlur,
    GlassBlur,
    MotionBlur,
    ZoomBlur,
    Snow,
    Frost,
    Fog,
    Brightness,
    Contrast,
    Elastic,
    Pixelate,
    Jpeg,
    SpeckleNoise,
    GaussianBlur,
    Spatter,
    Saturate,
};

// All 19 corruptions in declaration order.
const std::vector<Corruption>& all_corruptions();
// The 15 corruptions that mCE averages over.
const std::vector<Corruption>& benchmark_corruptions();
// ImageNet-C's snake_case name, e.g. "gaussian_noise".
std::string_view corruption_name(Corruption c);
// Inverse of corruption_name; nullopt for an unknown name.
std::optional<Corruption> corruption_from_name(std::string_view name);

// Applies corruption `c` at `severity` (1..5) to an 8-bit image (CV_8UC1 or CV_8UC3, any size).
// Returns an image of the same size and type. The same (image, c, severity, seed) always gives
// the same output. Throws std::invalid_argument for an empty image, another type, or a severity
// outside 1..5.
cv::Mat corrupt(const cv::Mat& image, Corruption c, int severity, std::uint64_t seed);

}  // namespace tpgm::robustness
