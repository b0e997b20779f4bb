// SPDX-License-Identifier: GPL-3.0-or-later
// A classification run's model on image files a user brings, read as the run's evaluation reads
// its own images (tpgm-cli predict), without LibTorch types.
#pragma once

#include "facade/run_predictor.h"

#include <opencv2/core.hpp>

#include <memory>
#include <string>
#include <vector>

namespace tpgm::facade {

// A classification run's checkpoint with the run's input side, normalisation, class names and
// evaluation preprocessing: the demo's images resized to its side; image files (data: folders
// | lists) as RGB, shorter side to images.size * 8/7, centre crop, exactly as their evaluation.
class RunClassifier {
  public:
    // Loads `checkpoint`, or the run's best checkpoint when empty. Throws std::runtime_error
    // saying what is wrong: no such run, a segmentation run, no checkpoint, an unreadable file.
    explicit RunClassifier(const std::string& run_dir, const std::string& checkpoint = "");
    ~RunClassifier();
    RunClassifier(const RunClassifier&) = delete;
    RunClassifier& operator=(const RunClassifier&) = delete;

    const std::string& checkpoint() const;
    // The run's class names, "class <k>" where the run's data does not name them (a config whose
    // class folders are gone still predicts, by number).
    const std::vector<std::string>& class_names() const;
    // The model's input: `image` (8-bit, 1, 3 or 4 channels in OpenCV's BGR order, any size, as
    // cv::imread gives it) as the run's evaluation would crop and order it; uint8, the model's
    // channels (colour as RGB), input side x input side.
    cv::Mat model_input(const cv::Mat& image) const;
    // The `k` most probable classes of `image`. Throws std::invalid_argument for an empty image.
    std::vector<Prediction> top_k(const cv::Mat& image, int k = 5) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tpgm::facade
