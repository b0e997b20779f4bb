// SPDX-License-Identifier: GPL-3.0-or-later
// RunSegmenter and load_run_test_scenes: a segmentation run's checkpoint and test scenes as
// cv::Mat.
#include "facade/run_segmenter.h"
#include "config/data_sources.h"
#include "facade/run_folder_config.h"

#include "checkpoints/checkpoint.h"
#include "config/config_schema.h"
#include "data/image_convert.h"
#include "data/tensor_dataset.h"
#include "data/voc.h"
#include "data/voc_sets.h"
#include "engine/runtime.h"
#include "runs/run_discovery.h"
#include "segmentation/demo_segmentation.h"

#include <torch/torch.h>
#include <opencv2/imgproc.hpp>

#include <mutex>
#include <stdexcept>

namespace tpgm::facade {
namespace {

// The run's resolved config, refused unless the run segments (the messages name the run, since
// the window and the CLI show them as they are).
RunConfig segmentation_run_config(const std::string& run_dir) {
    const RunConfig config = run_folder_config(run_dir);
    if (!is_segmentation_run(config))
        throw std::runtime_error("run '" + run_dir + "' is a classification run (data: " +
                                 config.data + "), not a segmentation run");
    return config;
}

// The run's sets with as little built as the caller needs. seg_demo composes its scenes in
// memory, so the sets the caller does not look at are cut to one scene and the OOD copies
// (corrupting every test scene nine times) are left out; the test scenes stay as the run had
// them, because a scene set is a function of its count as well as its seed. VOC's sets stream
// from disk, so only their corrupted copies are dropped.
RunSets light_run_sets(RunConfig config, bool keep_test) {
    if (data_source(config).embedded) {
        config.seg.train_scenes = 1;
        config.seg.proj_scenes = 1;
        if (!keep_test) config.seg.test_scenes = 1;
        config.seg.corruptions.clear();
        // CPU: building a missing demo benchmark must not need the GPU a run may have used.
        return seg_demo_run_sets(config, {}, torch::kCPU);
    }
    config.seg.corruptions.clear();
    return load_voc_run_sets(config, LoadCallbacks{});
}

// Normalisation and class names of a run, without reading its data where the config says them
// (VOC: a prediction must not need the dataset on disk).
std::pair<Normalization, std::vector<std::string>> run_inputs(const RunConfig& config) {
    if (!data_source(config).embedded) {
        Normalization norm;
        norm.mean = config.images.mean;
        norm.std = config.images.std;
        return {norm, config.seg.classes.empty() ? voc_class_names()
                                                 : read_voc_class_names(config.seg.classes)};
    }
    RunSets sets = light_run_sets(config, false);
    return {sets.norm, sets.class_names};
}

}  // namespace

struct RunSegmenter::Impl {
    std::shared_ptr<Classifier> model;
    ModelSpec spec;
    Normalization norm;
    std::vector<std::string> class_names;
    std::string checkpoint;
    int eval_size = 0;  // 0: each image at its own size
    std::mutex mutex;   // forward passes from any thread, one at a time
};

RunSegmenter::RunSegmenter(const std::string& run_dir, const std::string& checkpoint)
    : impl_(std::make_unique<Impl>()) {
    const RunConfig config = segmentation_run_config(run_dir);
    impl_->checkpoint = checkpoint.empty() ? best_checkpoint(run_dir) : checkpoint;
    try {
        const LoadedCheckpoint ckpt = read_checkpoint(impl_->checkpoint);
        impl_->spec = ckpt.spec;
        impl_->model = create_model(ckpt.spec);
        load_state_dict(*impl_->model, ckpt.state);
        impl_->model->eval();
    } catch (const std::exception& e) {
        throw std::runtime_error("checkpoint '" + impl_->checkpoint + "': " + error_message(e));
    }
    try {
        auto [norm, names] = run_inputs(config);
        impl_->norm = std::move(norm);
        impl_->class_names = std::move(names);
    } catch (const std::exception& e) {
        throw std::runtime_error("run '" + run_dir + "': " + error_message(e));
    }
    // Names for classes the run's list lacks, so that every label the model can give has one.
    for (auto k = static_cast<int64_t>(impl_->class_names.size()); k < impl_->spec.num_classes; ++k)
        impl_->class_names.push_back("class " + std::to_string(k));
    // Only VOC sets resize for evaluation; the demo's scenes are scored at their own size.
    if (data_source(config).image_files) impl_->eval_size = config.seg.eval_size;
}

RunSegmenter::~RunSegmenter() = default;

const std::vector<std::string>& RunSegmenter::class_names() const {
    return impl_->class_names;
}
int RunSegmenter::in_channels() const {
    return static_cast<int>(impl_->spec.in_channels);
}
const std::string& RunSegmenter::checkpoint() const {
    return impl_->checkpoint;
}

cv::Mat RunSegmenter::segment(const cv::Mat& image) const {
    if (image.empty()) throw std::invalid_argument("segment: the image is empty");
    cv::Mat m = loader_order(image, in_channels());
    const int size = impl_->eval_size;
    // As the evaluation resizes (resize_for_evaluation): bilinear for the image.
    if (size > 0 && (m.rows != size || m.cols != size))
        cv::resize(m, m, cv::Size(size, size), 0, 0, cv::INTER_LINEAR);
    torch::Tensor labels;
    {
        std::lock_guard<std::mutex> lock(impl_->mutex);
        torch::NoGradGuard no_grad;
        const torch::Tensor input =
            to_model_input(mat_to_tensor(m).unsqueeze(0), impl_->norm, torch::kCPU);
        const torch::Tensor logits = impl_->model->forward(input);
        if (logits.dim() != 4)
            throw std::runtime_error("checkpoint '" + impl_->checkpoint +
                                     "' holds a classifier, not a segmentation model");
        labels = logits.argmax(1)[0].to(torch::kUInt8).contiguous();
    }
    cv::Mat map = cv::Mat(static_cast<int>(labels.size(0)), static_cast<int>(labels.size(1)),
                          CV_8UC1, labels.data_ptr<uint8_t>())
                      .clone();
    // Nearest neighbour: a label map has no in-between labels.
    if (map.size() != image.size()) cv::resize(map, map, image.size(), 0, 0, cv::INTER_NEAREST);
    return map;
}

DemoScenes load_run_test_scenes(const std::string& run_dir, int count) {
    const RunConfig config = segmentation_run_config(run_dir);
    try {
        const RunSets sets = light_run_sets(config, true);
        DemoScenes out;
        out.class_names = sets.class_names;
        const int64_t n = std::min<int64_t>(std::max(count, 0), sets.test->size());
        // Full-resolution sets hold images of different sizes: one per batch, as they evaluate.
        const int64_t per_batch = sets.test->variable_size() ? 1 : std::max<int64_t>(n, 1);
        for (int64_t first = 0; first < n; first += per_batch) {
            std::vector<int64_t> indices;
            for (int64_t i = first; i < std::min(n, first + per_batch); ++i) indices.push_back(i);
            const SetBatch b = sets.test->load(indices, Transform::Eval, 0);
            for (int64_t i = 0; i < b.images.size(0); ++i) {
                cv::Mat image = tensor_to_mat(b.images[i]);
                if (image.channels() == 3) cv::cvtColor(image, image, cv::COLOR_RGB2BGR);
                out.images.push_back(image);
                // Labels are < 256 (kIgnoreLabel is 255), so 8 bits hold them.
                out.masks.push_back(tensor_to_mat(b.labels[i].to(torch::kUInt8).unsqueeze(0)));
            }
        }
        return out;
    } catch (const std::exception& e) {
        throw std::runtime_error("run '" + run_dir + "': " + error_message(e));
    }
}

}  // namespace tpgm::facade
