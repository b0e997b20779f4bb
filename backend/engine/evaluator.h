// SPDX-License-Identifier: GPL-3.0-or-later
// Top-1 / top-5 accuracy of a classifier on labelled sets (mean IoU and pixel accuracy in their
// places for segmentation sets), and the OOD aggregates.
#pragma once

#include "config/run_config.h"
#include "data/batch_stream.h"
#include "data/run_sets.h"
#include "models/classifier.h"
#include "runs/events.h"

#include <functional>
#include <string>
#include <vector>

namespace tpgm {

class RunControl;

// One process's share of an evaluation that several (data-parallel ranks) run together, and how
// their counts add up. The default: the whole set, in this process alone.
struct EvalShard {
    int index = 0;
    int count = 1;
    std::function<std::vector<double>(std::vector<double>)> sum;  // element-wise over processes
};

inline constexpr int64_t kEvalBatch = 256;  // images per evaluation batch

// Accuracy of one set; for a dense (segmentation) set, top1 is the mean IoU and top5 the pixel
// accuracy, both over the confusion matrix of all its pixels.
struct Accuracy {
    double top1 = 0;
    double top5 = 0;
    int64_t count = 0;              // examples scored (unreadable files are left out)
    std::vector<double> class_iou;  // a dense set's IoU per class (NaN: nothing to score)
};

// Evaluates in eval mode without gradients, streaming the set's evaluation crops; restores the
// model's training flag afterwards. A set with a class subset is scored on those logits only;
// a variable-size (full-resolution) set is evaluated one image per batch.
// With a shard, this process scores its contiguous share and the result covers the whole set.
Accuracy evaluate(Classifier& model, const ImageSetPtr& set, const Normalization& norm,
                  const torch::Device& device, const StreamOptions& stream = {0, 1},
                  int64_t batch_size = kEvalBatch, const EvalShard& shard = {});
Accuracy evaluate(Classifier& model, const TensorDataset& set, const Normalization& norm,
                  const torch::Device& device, int64_t batch_size = kEvalBatch);

// Indices of the examples `model` misclassifies (top-1): the ImageNet-A recipe of keeping what a
// reference model gets wrong.
std::vector<int64_t> misclassified(Classifier& model, const ImageSetPtr& set,
                                   const Normalization& norm, const torch::Device& device,
                                   const StreamOptions& stream = {0, 1});
// Adds "corruption_mean" (over the corruption sets) and "ood_mean" (every other OOD set and the
// corruption mean weighing equally) to per-set accuracies keyed "id" and by set name.
void add_ood_aggregates(std::map<std::string, double>& accuracy, const std::vector<SetInfo>& ood);
// ID test ("id") and every OOD set, with the aggregates. With `progress`, before each set its
// on_progress gets kEvaluationPhase + "ID test" or "OOD set 3 of 15 (sketch)" with the sets
// done and in all, and once more (the phase alone) when every set is done. With `control`, a
// stop request ends it before the next set (StopRequested).
EvalEvent evaluate_run_sets(Classifier& model, const RunSets& data, const torch::Device& device,
                            const StreamOptions& stream, EventSink* progress = nullptr,
                            const EvalShard& shard = {}, const RunControl* control = nullptr);
// The checkpoint's model; throws CheckpointError naming the file when its classes or input
// channels do not fit `data`.
std::shared_ptr<Classifier> load_model_for(const std::string& checkpoint, const RunSets& data);
// Loads `checkpoint` and evaluates it on the sets of `config`; a stop request of `control` ends
// it while the data loads or between two sets (StopRequested).
EvalEvent evaluate_checkpoint(const RunConfig& config, const std::string& checkpoint,
                              EventSink& sink, const RunControl& control);

}  // namespace tpgm
