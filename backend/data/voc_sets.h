// SPDX-License-Identifier: GPL-3.0-or-later
// The data=voc source: a dataset in the PASCAL VOC layout (VOC itself, PASCAL-Context, human
// parts) as the run's dense ImageSets, image and mask read from disk batch by batch, with the
// test set under ImageNet-C corruptions as the OOD sets.
#pragma once

#include "config/run_config.h"
#include "data/run_sets.h"
#include "data/segmentation_augment.h"
#include "data/voc.h"
#include "robustness/corruptions.h"

#include <optional>
#include <vector>

namespace tpgm {

// How a VOC-layout set prepares its pairs.
struct VocSetOptions {
    int classes = kVocClasses;         // labels 0..classes-1 (255 unscored)
    bool reduce_zero_label = false;    // the files' 0 is unlabelled, k is class k - 1
    SegmentationAugmentOptions train;  // Transform::Train: random scale, crop, flip
    int eval_size = 0;                 // Transform::Eval: square side; 0 keeps full resolution
    // A corrupted view: this corruption at `severity` on the RGB image after the resize (or the
    // augmentation), seeded by the example's index, the corruption and the severity only.
    std::optional<robustness::Corruption> corruption;
    int severity = 0;
};

// A dense set over `samples`, streamed from disk (dense(); variable_size() when eval_size is 0).
// Each load() decodes its pairs: an unreadable image is left out and counted in `skipped`; an
// unreadable or out-of-range mask, or an image and mask of different sizes, is a DatasetError
// naming the files. Throws DatasetError when `samples` is empty.
ImageSetPtr make_voc_set(std::vector<VocSample> samples, SetInfo info,
                         const VocSetOptions& options);

// Reads seg.* of `config` (root, folders, splits, classes, crop, scales, eval_size, corruptions,
// severities) and builds the run's sets: id_train, id_proj (split seg.proj, else a fixed 10% of
// train moved out of it, as data=folders does), id_test, and one OOD set per corruption x
// severity named "<corruption>-<severity>" (as the demo names them). Validates before the first
// step: lists, files, class file, and every pair's image and mask sizes (from the file headers).
// Throws DatasetError naming the file for what is wrong; warns through `callbacks` about
// unreadable images, which batches leave out.
RunSets load_voc_run_sets(const RunConfig& config, const LoadCallbacks& callbacks);

}  // namespace tpgm
