// SPDX-License-Identifier: GPL-3.0-or-later
// The labelled sets of one run, whatever their source (demo, image folders, split lists):
// what the trainer, the evaluator and the CLI work with.
#pragma once

#include "data/image_set.h"
#include "data/progress.h"

#include <functional>
#include <string>
#include <vector>

namespace tpgm {

// Training, projection (TPGM's held-out split), ID test and OOD sets, with what they share.
struct RunSets {
    ImageSetPtr train;
    ImageSetPtr proj;
    ImageSetPtr test;
    std::vector<ImageSetPtr> ood;
    Normalization norm;                    // of the pre-trained checkpoint's inputs
    std::vector<std::string> class_names;  // label order
    std::string pretrained_checkpoint;     // the source's own backbone (the demo's), else empty
    int64_t channels = 3;                  // image channels (the demo's are grey)
};

// Reports to the user while sets load: progress of long phases, and warnings.
struct LoadCallbacks {
    ProgressFn progress;
    std::function<void(const std::string&)> warn;
};

// Throws DatasetError when `set` is empty or (a classification set) has labels outside the run's
// classes or, when `every_class`, lacks an example of some class (named) or has fewer than 2.
void check_labels(const ImageSet& set, const std::vector<std::string>& class_names,
                  bool every_class);

}  // namespace tpgm
