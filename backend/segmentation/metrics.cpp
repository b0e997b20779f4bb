// SPDX-License-Identifier: GPL-3.0-or-later
#include "segmentation/metrics.h"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

namespace tpgm {

namespace {

std::string shape_text(const torch::Tensor& t) {
    std::ostringstream s;
    s << t.sizes();
    return s.str();
}

std::string range_text(int64_t classes) {
    return "[0, " + std::to_string(classes) + ")";
}

// The first label outside [0, classes) in `labels`, if any: reported by value so that a wrong
// class count or an unmapped label is recognisable from the message alone.
bool first_out_of_range(const torch::Tensor& labels, int64_t classes, int64_t* value) {
    auto bad = labels.lt(0).logical_or_(labels.ge(classes));
    if (!bad.any().item<bool>()) return false;
    *value = labels.masked_select(bad)[0].item<int64_t>();
    return true;
}

}  // namespace

ConfusionMatrix::ConfusionMatrix(int64_t classes, int64_t ignore_index)
    : classes_(classes), ignore_index_(ignore_index) {
    if (classes < 1)
        throw std::invalid_argument("ConfusionMatrix: classes must be at least 1, got " +
                                    std::to_string(classes));
    counts_ = torch::zeros({classes, classes}, torch::kLong);
}

void ConfusionMatrix::add(const torch::Tensor& predicted, const torch::Tensor& target) {
    if (!predicted.defined() || !target.defined())
        throw std::invalid_argument("ConfusionMatrix::add: undefined tensor");
    if (!predicted.sizes().equals(target.sizes()))
        throw std::invalid_argument("ConfusionMatrix::add: predicted shape " +
                                    shape_text(predicted) + " differs from target shape " +
                                    shape_text(target));
    if (target.dim() != 2 && target.dim() != 3)
        throw std::invalid_argument(
            "ConfusionMatrix::add: label maps must be [H,W] or [N,H,W], got shape " +
            shape_text(target));
    for (const auto* t : {&predicted, &target})
        if (!c10::isIntegralType(t->scalar_type(), /*includeBool=*/false))
            throw std::invalid_argument(
                std::string("ConfusionMatrix::add: label maps must have an integer dtype, got ") +
                c10::toString(t->scalar_type()));

    auto pred = predicted.to(torch::kCPU, torch::kLong).reshape({-1});
    auto true_labels = target.to(torch::kCPU, torch::kLong).reshape({-1});

    int64_t bad = 0;
    if (first_out_of_range(pred, classes_, &bad))
        throw std::invalid_argument("ConfusionMatrix::add: predicted label " + std::to_string(bad) +
                                    " is outside " + range_text(classes_));
    auto kept = true_labels.ne(ignore_index_);
    auto kept_true = true_labels.masked_select(kept);
    if (first_out_of_range(kept_true, classes_, &bad))
        throw std::invalid_argument(
            "ConfusionMatrix::add: target label " + std::to_string(bad) + " is outside " +
            range_text(classes_) + " and is not the ignore index " + std::to_string(ignore_index_));
    auto kept_pred = pred.masked_select(kept);

    // Each (true, predicted) pair is one cell of the flattened matrix, so one bincount counts all.
    auto cells = kept_true.mul_(classes_).add_(kept_pred);
    counts_.add_(torch::bincount(cells, {}, classes_ * classes_).view({classes_, classes_}));
}

void ConfusionMatrix::merge(const ConfusionMatrix& other) {
    if (other.classes_ != classes_ || other.ignore_index_ != ignore_index_)
        throw std::invalid_argument(
            "ConfusionMatrix::merge: " + std::to_string(other.classes_) +
            " classes, ignore index " + std::to_string(other.ignore_index_) + " into " +
            std::to_string(classes_) + " classes, ignore index " + std::to_string(ignore_index_));
    counts_.add_(other.counts_);
}

void ConfusionMatrix::add_counts(const torch::Tensor& counts) {
    if (!counts.defined() || counts.dim() != 2 || counts.size(0) != classes_ ||
        counts.size(1) != classes_)
        throw std::invalid_argument("ConfusionMatrix::add_counts: counts must be [" +
                                    std::to_string(classes_) + ", " + std::to_string(classes_) +
                                    "]");
    const auto c = counts.to(torch::kCPU, torch::kLong);
    if (c.lt(0).any().item<bool>())
        throw std::invalid_argument("ConfusionMatrix::add_counts: negative counts");
    counts_.add_(c);
}

void ConfusionMatrix::reset() {
    counts_.zero_();
}

torch::Tensor ConfusionMatrix::matrix() const {
    return counts_.clone();
}

std::vector<double> ConfusionMatrix::iou() const {
    auto m = counts_.accessor<int64_t, 2>();
    std::vector<double> result(static_cast<size_t>(classes_));
    for (int64_t c = 0; c < classes_; ++c) {
        int64_t in_target = 0, in_prediction = 0;
        for (int64_t k = 0; k < classes_; ++k) {
            in_target += m[c][k];
            in_prediction += m[k][c];
        }
        const int64_t tp = m[c][c];
        const int64_t union_ = in_target + in_prediction - tp;
        result[static_cast<size_t>(c)] = union_ == 0 ? std::numeric_limits<double>::quiet_NaN()
                                                     : static_cast<double>(tp) / union_;
    }
    return result;
}

double ConfusionMatrix::mean_iou() const {
    double sum = 0;
    int64_t scored = 0;
    for (double v : iou())
        if (!std::isnan(v)) {
            sum += v;
            ++scored;
        }
    return scored == 0 ? std::numeric_limits<double>::quiet_NaN() : sum / scored;
}

double ConfusionMatrix::pixel_accuracy() const {
    const int64_t total = pixels();
    if (total == 0) return std::numeric_limits<double>::quiet_NaN();
    return static_cast<double>(counts_.trace().item<int64_t>()) / total;
}

int64_t ConfusionMatrix::pixels() const {
    return counts_.sum().item<int64_t>();
}

}  // namespace tpgm
