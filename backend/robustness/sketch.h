// SPDX-License-Identifier: GPL-3.0-or-later
// Sketch-style renderings of photos, for datasets that have no sketch domain of their own.
#pragma once

#include <opencv2/core.hpp>

#include <optional>
#include <string_view>

namespace tpgm::robustness {

// How a sketch is drawn.
enum class SketchStyle {
    Pencil,  // colour-dodge of the grey image with its blurred negative
    Edges,   // dark strokes on white from gradient magnitude
};

std::string_view sketch_style_name(SketchStyle s);
std::optional<SketchStyle> sketch_style_from_name(std::string_view name);

// Renders `image` (CV_8UC1 or CV_8UC3, any size) as a sketch of the same size and type.
// Throws std::invalid_argument for an empty image or another type.
cv::Mat render_sketch(const cv::Mat& image, SketchStyle style);

}  // namespace tpgm::robustness
