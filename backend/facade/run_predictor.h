// SPDX-License-Identifier: GPL-3.0-or-later
// Top-k predictions of a fine-tuned run's checkpoint on single images, without LibTorch types.
#pragma once

#include <opencv2/core.hpp>

#include <memory>
#include <string>
#include <vector>

namespace tpgm::facade {

struct Prediction {
    int label = 0;
    std::string name;
    double probability = 0;
};

// A classifier loaded from a checkpoint, ready for single-image inference on the CPU.
class RunPredictor {
  public:
    // Loads `checkpoint` (e.g. a run's best_checkpoint()); throws std::runtime_error.
    explicit RunPredictor(const std::string& checkpoint);
    ~RunPredictor();
    RunPredictor(const RunPredictor&) = delete;
    RunPredictor& operator=(const RunPredictor&) = delete;

    int num_classes() const;
    int in_channels() const;
    // Converts `image` (8-bit, 1 or 3 channels, any size) to the model's channels and
    // `size` x `size`, normalises it and returns the `k` most probable classes.
    std::vector<Prediction> top_k(const cv::Mat& image, int size, const std::vector<double>& mean,
                                  const std::vector<double>& std,
                                  const std::vector<std::string>& class_names, int k = 5) const;
    // The top-1 class of each of `images` (converted as top_k converts one), from one forward
    // pass per 256 images instead of one per image. Empty images are refused
    // (std::invalid_argument).
    std::vector<int> top1_batch(const std::vector<cv::Mat>& images, int size,
                                const std::vector<double>& mean,
                                const std::vector<double>& std) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tpgm::facade
