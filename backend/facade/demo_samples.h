// SPDX-License-Identifier: GPL-3.0-or-later
// Sample images of the demo benchmark as OpenCV matrices, for the robustness demo panel.
#pragma once

#include "config/run_config.h"
#include "data/progress.h"

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace tpgm::facade {

// The first images of the benchmark's ID test split and what a model needs to read them.
struct DemoSamples {
    std::vector<cv::Mat> images;  // 8-bit, CV_8UC1 (grayscale demo) or CV_8UC3
    std::vector<int> labels;
    std::vector<std::string> class_names;
    std::vector<double> mean;  // input normalisation per channel, [0, 1] scale
    std::vector<double> std;
};

// Loads the cached benchmark for `demo` (building it first when needed, reported through
// `progress`) and returns up to `count` ID test images. Throws std::runtime_error on failure.
DemoSamples load_demo_samples(const DemoConfig& demo, int count, const ProgressFn& progress = {});

}  // namespace tpgm::facade
