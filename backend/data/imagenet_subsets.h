// SPDX-License-Identifier: GPL-3.0-or-later
// ImageNet-A and ImageNet-R cover 200 of the 1000 ImageNet classes. A model with a 1000-way head
// is evaluated on them by restricting its logits to those classes (a mask by WordNet id), as in
// Hendrycks et al.'s evaluation code. The two class lists ship in datasets/.
#pragma once

#include "data/idx_reader.h"  // DatasetError

#include <torch/types.h>

#include <string>
#include <vector>

namespace tpgm {

// WordNet ids ("n01498041"), one per line; validated (format, no duplicates).
std::vector<std::string> read_wnid_list(const std::string& path);
// Finds a file shipped in datasets/ (e.g. "imagenet_a_wnids.txt"): $TPGM_DATASETS_DIR, then
// ./datasets and the source tree's datasets/, then /usr/share/tpgm-workbench/datasets.
// Throws DatasetError when it is nowhere.
std::string find_datasets_file(const std::string& name);

// A subset of a classifier's classes: `indices` [K] (int64) are the subset's positions in the full
// class list, in the subset's order; `mask` [C] (bool) marks them.
struct ClassSubset {
    std::vector<std::string> wnids;
    torch::Tensor indices;
    torch::Tensor mask;
};
// `all` is the full list in label order (ImageNet: the 1000 sorted train folder names).
// Throws DatasetError when a subset id is not in `all`.
ClassSubset make_class_subset(const std::vector<std::string>& all,
                              const std::vector<std::string>& subset);
// [N, C] logits -> [N, K]: column k is subset class k (so argmax is an index into subset.wnids,
// matching an ImageFolder of the subset's sorted class folders).
torch::Tensor restrict_logits(const torch::Tensor& logits, const ClassSubset& subset);

}  // namespace tpgm
