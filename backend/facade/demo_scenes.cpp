// SPDX-License-Identifier: GPL-3.0-or-later
#include "facade/demo_scenes.h"

#include "data/idx_reader.h"
#include "data/image_convert.h"
#include "demo/demo_benchmark.h"
#include "engine/runtime.h"
#include "segmentation/demo_scenes.h"

#include <torch/torch.h>

#include <stdexcept>

namespace tpgm::facade {

constexpr int64_t kItems = 1000;  // test items the scenes draw from

DemoScenes load_demo_scenes(const std::string& fashion_mnist_dir, int count, bool parts,
                            uint64_t seed) {
    try {
        const auto items =
            read_idx_images(fashion_mnist_dir + "/t10k-images-idx3-ubyte.gz").slice(0, 0, kItems);
        const auto labels =
            read_idx_labels(fashion_mnist_dir + "/t10k-labels-idx1-ubyte.gz").slice(0, 0, kItems);
        SceneOptions options;
        options.labels = parts ? SceneLabels::Parts : SceneLabels::Semantic;
        const SceneSet set =
            compose_scenes(items, labels, fashion_mnist_classes(), count, options, seed);
        DemoScenes out;
        out.class_names = set.class_names;
        for (int64_t i = 0; i < count; ++i) {
            out.images.push_back(tensor_to_mat(set.images[i]).clone());
            out.masks.push_back(tensor_to_mat(set.masks[i].unsqueeze(0)).clone());
        }
        return out;
    } catch (const std::runtime_error&) {
        throw;
    } catch (const std::exception& e) {
        throw std::runtime_error(error_message(e));
    }
}

}  // namespace tpgm::facade
