// SPDX-License-Identifier: GPL-3.0-or-later
// The segmentation demo's scenes as OpenCV matrices, for the window's Segmentation tab.
#pragma once

#include <opencv2/core.hpp>

#include <string>
#include <vector>

namespace tpgm::facade {

// Scenes with their label maps (CV_8UC1 each; 0 background) and the label names.
struct DemoScenes {
    std::vector<cv::Mat> images;
    std::vector<cv::Mat> masks;
    std::vector<std::string> class_names;
};

// `count` scenes composed from Fashion-MNIST's test items in `fashion_mnist_dir`, labelled by
// item class or, with `parts`, by upper / middle / lower third. Throws std::runtime_error naming
// the file when the data cannot be read.
DemoScenes load_demo_scenes(const std::string& fashion_mnist_dir, int count, bool parts,
                            uint64_t seed = 0);

}  // namespace tpgm::facade
