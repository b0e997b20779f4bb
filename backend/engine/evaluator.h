// Top-1 / top-5 accuracy of a classifier on labelled sets.
#pragma once

#include "config/run_config.h"
#include "data/tensor_dataset.h"
#include "demo/demo_benchmark.h"
#include "engine/events.h"
#include "models/classifier.h"

#include <map>
#include <string>
#include <vector>

namespace tpgm {

// Accuracy of one set.
struct Accuracy {
    double top1 = 0;
    double top5 = 0;
    int64_t count = 0;
};

// Evaluates in eval mode without gradients; restores the model's training flag afterwards.
Accuracy evaluate(Classifier& model, const TensorDataset& set, const Normalization& norm,
                  const torch::Device& device, int64_t batch_size = 256);
std::map<std::string, Accuracy> evaluate_sets(Classifier& model,
                                              const std::vector<TensorDataset>& sets,
                                              const Normalization& norm,
                                              const torch::Device& device);

// Indices of the examples `model` misclassifies (top-1): the ImageNet-A recipe of keeping what a
// reference model gets wrong.
torch::Tensor misclassified(Classifier& model, const TensorDataset& set, const Normalization& norm,
                            const torch::Device& device, int64_t batch_size = 256);
// True for "<ImageNet-C corruption>-<severity 1..5>", e.g. "fog-3".
bool is_corruption_set(const std::string& name);
// Adds "corruption_mean" (over sets named <corruption>-<severity>) and "ood_mean" (sketch, hard
// and the corruption mean weighing equally) to a map of per-set accuracies keyed "id", ...
void add_ood_aggregates(std::map<std::string, double>& accuracy);
// ID test ("id") and every OOD set of the benchmark, with the aggregates.
EvalEvent evaluate_benchmark(Classifier& model, const DemoBenchmark& data,
                             const torch::Device& device);
// Loads `checkpoint` and evaluates it on the benchmark of `config` (built if needed).
EvalEvent evaluate_checkpoint(const RunConfig& config, const std::string& checkpoint,
                              EventSink& sink);

}  // namespace tpgm
