// SPDX-License-Identifier: GPL-3.0-or-later
// A look at a run's data before training: every set the config names (train, projection, ID
// test, OOD), its size and a few sample images with their class names.
#pragma once

#include "config/run_config.h"
#include "data/progress.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace tpgm::facade {

// One set of the run and a few of its images, as the model would see them at evaluation.
struct PreviewSet {
    std::string role;  // train | proj | test | ood
    std::string name;  // the set's name in tables and plots
    std::string kind;  // id | domain | adversarial | rendition | corruption
    int64_t size = 0;  // images in the set
    bool in_memory = false;
    std::vector<cv::Mat> images;  // 8-bit, CV_8UC1 (the demo) or CV_8UC3 RGB
    std::vector<int> labels;
    std::vector<std::string> label_names;  // the class name of each image
};

struct DataPreview {
    std::vector<PreviewSet> sets;  // train, proj, test, then the OOD sets
    std::vector<std::string> class_names;
    std::vector<std::string> warnings;  // e.g. unreadable files skipped
    std::string error;                  // empty when the sets loaded
    bool ok() const { return error.empty(); }
};

// Loads the sets `config` names (image files are streamed, so only the samples are decoded) and
// takes up to `per_set` images of each, classes in turn. Slow for a first demo build (the
// benchmark is built and cached); run it off the UI thread. Never throws: errors in `error`.
DataPreview load_data_preview(const RunConfig& config, int per_set,
                              const ProgressFn& progress = {});

}  // namespace tpgm::facade
