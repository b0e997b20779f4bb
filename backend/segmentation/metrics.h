// SPDX-License-Identifier: GPL-3.0-or-later
// Semantic-segmentation metrics from one confusion matrix: per-class IoU, mean IoU and pixel
// accuracy, accumulated image by image (or batch by batch, or across workers with merge) so
// that the metrics are those of the whole set, not a mean of per-image metrics.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace tpgm {

// Pixel counts of (true class, predicted class) over every label map added so far.
class ConfusionMatrix {
  public:
    // Throws std::invalid_argument when classes < 1.
    explicit ConfusionMatrix(int64_t classes, int64_t ignore_index = 255);

    // Counts the pixels of integer label maps of one shape, [H,W] or [N,H,W], of any integer
    // dtype and on any device. Pixels whose target is ignore_index do not count. Throws
    // std::invalid_argument (and counts nothing) on different shapes, a non-integer dtype, a
    // target label outside [0, classes) that is not ignore_index, or a predicted label outside
    // [0, classes) at any pixel, ignored or not: a prediction out of range is a bug upstream.
    void add(const torch::Tensor& predicted, const torch::Tensor& target);

    // Adds the counts of `other`, e.g. another worker's; same classes and ignore_index, or
    // std::invalid_argument.
    void merge(const ConfusionMatrix& other);
    // Adds a count matrix int64 [classes, classes] (e.g. summed over processes); throws
    // std::invalid_argument for another shape or negative counts.
    void add_counts(const torch::Tensor& counts);
    void reset();

    int64_t classes() const { return classes_; }
    int64_t ignore_index() const { return ignore_index_; }

    // int64 [classes, classes] on the CPU, a copy: rows are true classes, columns predictions.
    torch::Tensor matrix() const;

    // Per class TP / (TP + FP + FN); NaN where the class is in neither targets nor predictions,
    // since there is nothing to score (a class only predicted gets 0).
    std::vector<double> iou() const;
    // Mean of the IoUs that are not NaN; NaN when all are.
    double mean_iou() const;
    // Correct pixels / counted pixels; NaN when no pixel has been counted.
    double pixel_accuracy() const;
    // Counted pixels (ignored ones excluded).
    int64_t pixels() const;

  private:
    int64_t classes_;
    int64_t ignore_index_;
    torch::Tensor counts_;  // int64 [classes, classes], CPU
};

}  // namespace tpgm
