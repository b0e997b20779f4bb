// SPDX-License-Identifier: GPL-3.0-or-later
// The corruption part of the evaluation matrix: accuracy per ImageNet-C corruption x severity,
// generated on the fly from clean test images, and corruption errors against a baseline
// (Hendrycks & Dietterich, ICLR 2019).
#pragma once

#include "config/run_config.h"
#include "data/tensor_dataset.h"
#include "models/classifier.h"
#include "runs/events.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace tpgm {

class RunControl;

// Top-1 accuracy of one model on every corruption x severity of one clean set.
struct CorruptionMatrix {
    std::vector<std::string> corruptions;   // ImageNet-C names, row order
    std::vector<int> severities;            // column order
    std::vector<std::vector<double>> top1;  // [corruption][severity]
    double clean_top1 = 0;
    double mean() const;  // over every cell
};

// Corrupts `clean` (deterministically from `seed`) with each corruption and severity and
// evaluates `model` on every corrupted copy. Names must be ImageNet-C names
// (std::invalid_argument). `cell_done` is called after each corruption x severity.
CorruptionMatrix evaluate_corruptions(Classifier& model, const TensorDataset& clean,
                                      const Normalization& norm, const torch::Device& device,
                                      const std::vector<std::string>& corruptions,
                                      const std::vector<int>& severities, std::uint64_t seed,
                                      const std::function<void()>& cell_done = nullptr);

// ImageNet-C's corruption errors of `model` against `baseline` (same corruptions and severities):
// CE_c = sum_s E_{c,s} / sum_s E^base_{c,s}; relative CE_c = sum_s (E_{c,s} - E_clean) /
// sum_s (E^base_{c,s} - E^base_clean); mCE and relative mCE are their means over corruptions.
struct CorruptionErrors {
    std::map<std::string, double> ce;
    std::map<std::string, double> relative_ce;
    double mce = 0;
    double relative_mce = 0;
};
CorruptionErrors corruption_errors(const CorruptionMatrix& model, const CorruptionMatrix& baseline);

// Loads the data of `config` and each checkpoint, and evaluates every checkpoint's matrix on the
// same corrupted copies of the first `images` ID test images (0: all). Progress goes to `sink`
// per cell as "evaluating corruptions"; a stop request of `control` ends it while the data loads
// or after a cell (StopRequested).
std::vector<CorruptionMatrix> evaluate_checkpoints_on_corruptions(
    const RunConfig& config, const std::vector<std::string>& checkpoints,
    const std::vector<std::string>& corruptions, const std::vector<int>& severities, int64_t images,
    EventSink& sink, const RunControl& control);

}  // namespace tpgm
