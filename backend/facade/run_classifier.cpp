// SPDX-License-Identifier: GPL-3.0-or-later
#include "facade/run_classifier.h"
#include "config/data_sources.h"
#include "data/file_sources.h"
#include "facade/run_folder_config.h"

#include "config/config_schema.h"
#include "data/image_convert.h"
#include "data/image_folder.h"
#include "data/image_set.h"
#include "data/split_list.h"
#include "engine/runtime.h"
#include "facade/demo_samples.h"
#include "runs/run_discovery.h"

#include <opencv2/imgproc.hpp>

#include <stdexcept>

namespace tpgm::facade {
namespace {

// The run's config, refused unless the run classifies (the messages name the run: the CLI shows
// them as they are).
RunConfig classification_run_config(const std::string& run_dir) {
    const RunConfig config = run_folder_config(run_dir);
    if (is_segmentation_run(config))
        throw std::runtime_error("run '" + run_dir + "' is a segmentation run (data: " +
                                 config.data + "), not a classification run");
    return config;
}

}  // namespace

struct RunClassifier::Impl {
    std::unique_ptr<RunPredictor> predictor;
    std::string checkpoint;
    bool files = false;  // image files: the file sets' evaluation crop; else the demo's resize
    int size = 0;
    std::vector<double> mean, std;
    std::vector<std::string> class_names;
};

RunClassifier::RunClassifier(const std::string& run_dir, const std::string& checkpoint)
    : impl_(std::make_unique<Impl>()) {
    const RunConfig config = classification_run_config(run_dir);
    impl_->checkpoint = checkpoint.empty() ? best_checkpoint(run_dir) : checkpoint;
    impl_->predictor = std::make_unique<RunPredictor>(impl_->checkpoint);
    if (data_source(config).embedded) {
        try {
            const DemoSamples samples = load_demo_samples(config.demo, 1);
            if (samples.images.empty())
                throw std::runtime_error("the demo benchmark has no images");
            impl_->size = samples.images[0].cols;
            impl_->mean = samples.mean;
            impl_->std = samples.std;
            impl_->class_names = samples.class_names;
        } catch (const std::exception& e) {
            throw std::runtime_error("run '" + run_dir + "': " + error_message(e));
        }
    } else {
        impl_->files = true;
        impl_->size = static_cast<int>(config.images.size);
        impl_->mean = config.images.mean;
        impl_->std = config.images.std;
        try {  // the run's files may be gone; the model still predicts, with numbered classes
            impl_->class_names = file_class_names(config);
        } catch (const std::exception&) {
        }
    }
    for (auto k = static_cast<int>(impl_->class_names.size()); k < impl_->predictor->num_classes();
         ++k)
        impl_->class_names.push_back("class " + std::to_string(k));
}

RunClassifier::~RunClassifier() = default;

const std::string& RunClassifier::checkpoint() const {
    return impl_->checkpoint;
}

const std::vector<std::string>& RunClassifier::class_names() const {
    return impl_->class_names;
}

cv::Mat RunClassifier::model_input(const cv::Mat& image) const {
    if (image.empty()) throw std::invalid_argument("predict: the image is empty");
    // File sets decode to RGB (their models take 3 channels), then crop as evaluation does.
    if (impl_->files) return file_set_eval_crop(loader_order(image, 3), impl_->size);
    cv::Mat m = loader_order(image, impl_->predictor->in_channels());
    if (m.rows != impl_->size || m.cols != impl_->size)
        cv::resize(m, m, cv::Size(impl_->size, impl_->size), 0, 0, cv::INTER_AREA);
    return m;
}

std::vector<Prediction> RunClassifier::top_k(const cv::Mat& image, int k) const {
    return impl_->predictor->top_k(model_input(image), impl_->size, impl_->mean, impl_->std,
                                   impl_->class_names, k);
}

}  // namespace tpgm::facade
