// SPDX-License-Identifier: GPL-3.0-or-later
// Sketch-style renderings: pencil (colour dodge) and edges (dark gradient strokes on white).
#include "robustness/sketch.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tpgm::robustness {

std::string_view sketch_style_name(SketchStyle s) {
    switch (s) {
        case SketchStyle::Pencil:
            return "pencil";
        case SketchStyle::Edges:
            return "edges";
    }
    throw std::invalid_argument("sketch_style_name: unknown style");
}

std::optional<SketchStyle> sketch_style_from_name(std::string_view name) {
    if (name == "pencil") return SketchStyle::Pencil;
    if (name == "edges") return SketchStyle::Edges;
    return std::nullopt;
}

cv::Mat render_sketch(const cv::Mat& image, SketchStyle style) {
    if (image.empty()) throw std::invalid_argument("render_sketch: empty image");
    if (image.type() != CV_8UC1 && image.type() != CV_8UC3) {
        throw std::invalid_argument(
            "render_sketch: unsupported image type (need CV_8UC1 or CV_8UC3, got " +
            cv::typeToString(image.type()) + ")");
    }
    cv::Size whole;
    cv::Point offset;
    image.locateROI(whole, offset);
    if (whole != image.size()) return render_sketch(image.clone(), style);  // isolate ROI views
    cv::Mat gray;
    if (image.channels() == 3) {
        cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
    } else {
        gray = image;
    }
    cv::Mat sketch;
    if (style == SketchStyle::Pencil) {
        // Colour dodge of the grey image with its blurred negative: flat areas go white,
        // edges keep a pencil-like grey line.
        cv::Mat inverted = 255 - gray;
        cv::Mat blurred;
        const double sigma = std::max(1.0, std::min(image.cols, image.rows) / 32.0);
        cv::GaussianBlur(inverted, blurred, cv::Size(), sigma, sigma, cv::BORDER_REPLICATE);
        cv::divide(gray, 255 - blurred, sketch, 256.0);  // dodge; divide by 0 saturates to 0
        sketch.setTo(255, blurred == 255);
    } else {
        // Scharr gradient magnitude, normalised, thresholded softly, thickened and inverted.
        cv::Mat gx, gy, mag;
        cv::Scharr(gray, gx, CV_32F, 1, 0, 1.0, 0.0, cv::BORDER_REPLICATE);
        cv::Scharr(gray, gy, CV_32F, 0, 1, 1.0, 0.0, cv::BORDER_REPLICATE);
        cv::magnitude(gx, gy, mag);
        // Scharr's largest response to a 0 -> 255 step is 16 * 255; strokes saturate at 1/4 of it.
        cv::Mat strokes;
        mag.convertTo(strokes, CV_8U, 255.0 / (16.0 * 255.0 * 0.25));
        cv::threshold(strokes, strokes, 20, 0, cv::THRESH_TOZERO);  // drop texture noise
        // Thicken strokes on larger images (none below 160 px, 3x3 at 224, wider beyond).
        const int r = std::min(image.cols, image.rows) / 160;
        if (r >= 1) {
            cv::dilate(
                strokes, strokes,
                cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * r + 1, 2 * r + 1)));
        }
        sketch = 255 - strokes;
    }
    if (image.channels() == 3) {
        cv::Mat bgr;
        cv::cvtColor(sketch, bgr, cv::COLOR_GRAY2BGR);
        return bgr;
    }
    return sketch;
}

}  // namespace tpgm::robustness
