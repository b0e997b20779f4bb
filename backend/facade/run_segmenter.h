// SPDX-License-Identifier: GPL-3.0-or-later
// Per-pixel predictions of a segmentation run's checkpoint on single images, and the run's own
// test scenes, without LibTorch types (for the window's Segmentation tab and tpgm-cli predict).
#pragma once

#include "facade/demo_scenes.h"

#include <opencv2/core.hpp>

#include <memory>
#include <string>
#include <vector>

namespace tpgm::facade {

// A segmentation run's model, ready for single-image inference on the CPU. Thread-safe (one
// forward pass at a time).
class RunSegmenter {
  public:
    // Loads `checkpoint`, or the run's best checkpoint when empty, with the run's normalisation,
    // class names and evaluation size from its config. Throws std::runtime_error saying what is
    // wrong: no such run, not a segmentation run, no checkpoint yet, an unreadable file.
    explicit RunSegmenter(const std::string& run_dir, const std::string& checkpoint = "");
    ~RunSegmenter();
    RunSegmenter(const RunSegmenter&) = delete;
    RunSegmenter& operator=(const RunSegmenter&) = delete;

    const std::vector<std::string>& class_names() const;
    int in_channels() const;
    const std::string& checkpoint() const;  // the file the weights came from
    // The label map (CV_8UC1, the image's size) of `image` (8-bit; 1, 3 or 4 channels in
    // OpenCV's BGR order; any size), converted to the model's channels and evaluated as the
    // run evaluates (at seg.eval_size, the map then resized back with nearest neighbour, or at
    // its own size). Throws std::invalid_argument for an empty image.
    cv::Mat segment(const cv::Mat& image) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The first `count` test images of a segmentation run with their label maps, exactly as its
// evaluation sees them (for seg_demo the scenes of its ID test set; images 8-bit grey or BGR),
// and the run's class names. Throws std::runtime_error naming what cannot be read.
DemoScenes load_run_test_scenes(const std::string& run_dir, int count);

}  // namespace tpgm::facade
