// SPDX-License-Identifier: GPL-3.0-or-later
// The segmentation demo's scenes: Fashion-MNIST items pasted onto textured backgrounds with a
// label for every pixel, semantic (the item's class) or parts (its upper, middle, lower third,
// mirroring PASCAL's human parts). Small enough to train on a laptop CPU in minutes.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tpgm {

// What each labelled pixel says.
enum class SceneLabels { Semantic, Parts };

// How scenes are composed.
struct SceneOptions {
    int64_t size = 64;       // scene side in pixels
    int64_t max_items = 3;   // items per scene: 1 to max_items
    int ink_threshold = 40;  // item pixels brighter than this are the item
    SceneLabels labels = SceneLabels::Semantic;
};

// Scenes and their label maps. images uint8 [N, 1, S, S]; masks uint8 [N, S, S]: 0 background,
// then 1 + the item's class (semantic) or 1 / 2 / 3 for the upper / middle / lower third of the
// item's inked rows (parts). A later item covers an earlier one, in the image and the mask.
struct SceneSet {
    torch::Tensor images;
    torch::Tensor masks;
    std::vector<std::string> class_names;  // index = label value; "background" first
};

// `count` scenes from `items` (uint8 [M, 1, h, w], h and w at most options.size) and their class
// `labels` (int64 [M], indices into `item_classes`); a pure function of its inputs and `seed`.
// Throws std::invalid_argument for mismatched or oversized items.
SceneSet compose_scenes(const torch::Tensor& items, const torch::Tensor& labels,
                        const std::vector<std::string>& item_classes, int64_t count,
                        const SceneOptions& options, uint64_t seed);

}  // namespace tpgm
