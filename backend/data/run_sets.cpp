// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/run_sets.h"

#include "data/idx_reader.h"  // DatasetError

#include <torch/torch.h>

namespace tpgm {

void check_labels(const ImageSet& set, const std::vector<std::string>& class_names,
                  bool every_class) {
    const std::string& name = set.info().name;
    const auto num_classes = static_cast<int64_t>(class_names.size());
    if (set.size() == 0) throw DatasetError("set '" + name + "' is empty");
    if (set.dense()) return;  // mask labels are checked as each mask is decoded
    const torch::Tensor labels = set.labels();
    if (labels.min().item<int64_t>() < 0 || labels.max().item<int64_t>() >= num_classes)
        throw DatasetError("set '" + name + "' has labels outside [0, " +
                           std::to_string(num_classes) + ")");
    if (!every_class) return;
    if (num_classes < 2)
        throw DatasetError("set '" + name + "' has a single class" +
                           (num_classes == 1 ? " ('" + class_names[0] + "')" : std::string()) +
                           ": a classifier needs at least 2");
    const auto counts = torch::bincount(labels, {}, num_classes);
    for (int64_t c = 0; c < num_classes; ++c)
        if (counts[c].item<int64_t>() == 0)
            throw DatasetError("set '" + name + "': class " + std::to_string(c) + " ('" +
                               class_names[c] +
                               "') has no example (with too few images, the held-out projection "
                               "split can take a class's only ones)");
}

}  // namespace tpgm
