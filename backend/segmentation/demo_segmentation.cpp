// SPDX-License-Identifier: GPL-3.0-or-later
#include "segmentation/demo_segmentation.h"

#include "config/config_schema.h"  // ConfigError
#include "data/mask_tensor_set.h"
#include "demo/demo_benchmark.h"
#include "robustness/corruptions.h"
#include "segmentation/demo_scenes.h"

#include <torch/torch.h>

#include <algorithm>

namespace tpgm {
namespace {

// Seeds of the scene sets, offsets from demo.seed so that the splits never share a layout.
constexpr uint64_t kTrainScenes = 101, kProjScenes = 202, kTestScenes = 303;

// Grey scenes [N, 1, S, S] under one corruption, each with its own noise seed.
torch::Tensor corrupt_scenes(const torch::Tensor& scenes, robustness::Corruption corruption,
                             int severity, uint64_t seed) {
    auto out = torch::empty_like(scenes);
    const int side = static_cast<int>(scenes.size(2));
    for (int64_t i = 0; i < scenes.size(0); ++i) {
        auto in = scenes[i][0].contiguous();
        const cv::Mat image(side, side, CV_8UC1, in.data_ptr<uint8_t>());
        cv::Mat corrupted = robustness::corrupt(image, corruption, severity, seed + i);
        if (!corrupted.isContinuous()) corrupted = corrupted.clone();
        out[i][0].copy_(torch::from_blob(corrupted.data, {side, side}, torch::kUInt8));
    }
    return out;
}

}  // namespace

RunSets seg_demo_run_sets(const RunConfig& config, const ProgressFn& progress,
                          const torch::Device& device) {
    const DemoBenchmark b = load_demo_benchmark(config.demo, progress, device);
    const SegConfig& c = config.seg;
    SceneOptions options;
    options.size = c.scene_size;
    options.labels = c.labels == "parts" ? SceneLabels::Parts : SceneLabels::Semantic;
    const uint64_t seed = config.demo.seed * 1000;
    const auto scenes = [&](const TensorDataset& items, int count, uint64_t offset) {
        return compose_scenes(items.images, items.labels, b.class_names, count, options,
                              seed + offset);
    };
    if (progress) progress("composing segmentation scenes", 0, 1);
    const SceneSet train = scenes(b.id_train, c.train_scenes, kTrainScenes);
    const SceneSet proj = scenes(b.id_proj, c.proj_scenes, kProjScenes);
    const SceneSet test = scenes(b.id_test, c.test_scenes, kTestScenes);

    // Padding of a scaled-down training scene: the pre-training mean, which normalises to zero.
    MaskAugment augment;
    augment.fill = cv::Scalar(255.0 * b.norm.mean.at(0));
    RunSets sets;
    sets.train = make_mask_tensor_set(train.images, train.masks, {"scenes_train"}, augment);
    sets.proj = make_mask_tensor_set(proj.images, proj.masks, {"scenes_proj"}, augment);
    sets.test = make_mask_tensor_set(test.images, test.masks, {"scenes_test"}, augment);
    const int64_t ood_count = std::min<int64_t>(c.ood_scenes, c.test_scenes);
    const auto ood_images = test.images.narrow(0, 0, ood_count);
    const auto ood_masks = test.masks.narrow(0, 0, ood_count);
    for (const auto& name : c.corruptions) {
        const auto corruption = robustness::corruption_from_name(name);
        if (!corruption) throw ConfigError("seg.corruptions: unknown corruption '" + name + "'");
        for (int s : c.severities) {
            const std::string set = name + "-" + std::to_string(s);
            if (progress) progress("corrupting segmentation scenes (" + set + ")", 0, 1);
            sets.ood.push_back(
                make_mask_tensor_set(corrupt_scenes(ood_images, *corruption, s, seed * 100003 + s),
                                     ood_masks, {set, SetKind::Corruption, name, s}, augment));
        }
    }
    if (progress) progress("composing segmentation scenes", 1, 1);
    sets.norm = b.norm;
    sets.class_names = train.class_names;
    sets.pretrained_checkpoint = b.pretrained_checkpoint;
    sets.channels = 1;
    return sets;
}

}  // namespace tpgm
