// SPDX-License-Identifier: GPL-3.0-or-later
// The embedded demo shift benchmark, built from Debian's Fashion-MNIST and cached on disk.
// Its design (docs/DEMO.md): a backbone pre-trained on 5 coarse groups of style-diverse images;
// an ID task of the 10 fine classes with little, clean data; OOD sets of the same test images
// as sketches, under ImageNet-C corruptions, and the subset an independent classifier gets wrong.
#pragma once

#include "config/run_config.h"
#include "data/progress.h"
#include "data/run_sets.h"
#include "data/tensor_dataset.h"

#include <string>
#include <vector>

namespace tpgm {

// Everything a demo run needs.
struct DemoBenchmark {
    TensorDataset id_train;  // clean, labelled, small
    TensorDataset id_proj;   // held-out ID split for TPGM's radius updates
    TensorDataset id_test;
    std::vector<TensorDataset> ood;  // sketch, hard, <corruption>-<severity>
    Normalization norm;              // of the pre-training images
    std::string pretrained_checkpoint;
    std::vector<std::string> class_names;
};

// Fashion-MNIST's ten class names, in label order.
const std::vector<std::string>& fashion_mnist_classes();
// The folder that caches the benchmark for this config (depends on every demo.* value).
std::string demo_cache_dir(const DemoConfig& config);
// Loads the cached benchmark, building it first when needed; the backbone is then pre-trained on
// `device` (a run's: see load_run_data).
DemoBenchmark load_demo_benchmark(const DemoConfig& config, const ProgressFn& progress = {},
                                  const torch::Device& device = torch::kCPU);
// The benchmark as a run's sets: "sketch" a domain shift, "hard" natural-adversarial, and one
// corruption set per demo.corruptions x demo.severities.
RunSets demo_run_sets(const DemoConfig& config, const ProgressFn& progress = {},
                      const torch::Device& device = torch::kCPU);

}  // namespace tpgm
