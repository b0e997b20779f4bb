// SPDX-License-Identifier: GPL-3.0-or-later
#include "facade/run_predictor.h"

#include "checkpoints/checkpoint.h"
#include "data/image_convert.h"
#include "data/tensor_dataset.h"
#include "engine/runtime.h"

#include <torch/torch.h>
#include <opencv2/imgproc.hpp>

#include <stdexcept>

namespace tpgm::facade {

struct RunPredictor::Impl {
    std::shared_ptr<Classifier> model;
    ModelSpec spec;
    std::mutex mutex;  // forward passes from any thread, one at a time
};

RunPredictor::RunPredictor(const std::string& checkpoint) : impl_(std::make_unique<Impl>()) {
    try {
        LoadedCheckpoint ckpt = read_checkpoint(checkpoint);
        impl_->spec = ckpt.spec;
        impl_->model = create_model(ckpt.spec);
        load_state_dict(*impl_->model, ckpt.state);
        impl_->model->eval();
    } catch (const std::exception& e) {
        throw std::runtime_error(error_message(e));
    }
}

RunPredictor::~RunPredictor() = default;

int RunPredictor::num_classes() const {
    return static_cast<int>(impl_->spec.num_classes);
}
int RunPredictor::in_channels() const {
    return static_cast<int>(impl_->spec.in_channels);
}

namespace {
// `image` as 8-bit with `channels` channels, `size` x `size`.
cv::Mat model_image(const cv::Mat& image, int channels, int size) {
    cv::Mat m = image;
    if (m.depth() != CV_8U) m.convertTo(m, CV_8U);
    if (m.channels() == 4) cv::cvtColor(m, m, cv::COLOR_BGRA2BGR);
    if (channels == 1 && m.channels() == 3) cv::cvtColor(m, m, cv::COLOR_BGR2GRAY);
    if (channels == 3 && m.channels() == 1) cv::cvtColor(m, m, cv::COLOR_GRAY2BGR);
    if (m.rows != size || m.cols != size)
        cv::resize(m, m, cv::Size(size, size), 0, 0, cv::INTER_AREA);
    return m;
}
}  // namespace

std::vector<Prediction> RunPredictor::top_k(const cv::Mat& image, int size,
                                            const std::vector<double>& mean,
                                            const std::vector<double>& std,
                                            const std::vector<std::string>& class_names,
                                            int k) const {
    if (image.empty()) return {};
    const cv::Mat m = model_image(image, in_channels(), size);
    Normalization norm;
    norm.mean = mean;
    norm.std = std;
    std::lock_guard<std::mutex> lock(impl_->mutex);
    torch::NoGradGuard no_grad;
    const torch::Tensor input = to_model_input(mat_to_tensor(m).unsqueeze(0), norm, torch::kCPU);
    const torch::Tensor probs = torch::softmax(impl_->model->forward(input), 1)[0];
    const auto top = probs.topk(std::min<int64_t>(k, probs.size(0)));
    const torch::Tensor values = std::get<0>(top), indices = std::get<1>(top);
    std::vector<Prediction> out;
    for (int64_t i = 0; i < values.size(0); ++i) {
        Prediction p;
        p.label = static_cast<int>(indices[i].item<int64_t>());
        p.probability = values[i].item<double>();
        p.name = p.label < static_cast<int>(class_names.size())
                     ? class_names[p.label]
                     : "class " + std::to_string(p.label);
        out.push_back(p);
    }
    return out;
}

std::vector<int> RunPredictor::top1_batch(const std::vector<cv::Mat>& images, int size,
                                          const std::vector<double>& mean,
                                          const std::vector<double>& std) const {
    constexpr size_t kBatch = 256;
    Normalization norm;
    norm.mean = mean;
    norm.std = std;
    std::vector<int> out;
    out.reserve(images.size());
    for (size_t begin = 0; begin < images.size(); begin += kBatch) {
        const size_t end = std::min(images.size(), begin + kBatch);
        std::vector<torch::Tensor> batch;
        for (size_t i = begin; i < end; ++i) {
            if (images[i].empty())
                throw std::invalid_argument("top1_batch: image " + std::to_string(i) + " is empty");
            batch.push_back(mat_to_tensor(model_image(images[i], in_channels(), size)));
        }
        std::lock_guard<std::mutex> lock(impl_->mutex);
        torch::NoGradGuard no_grad;
        const torch::Tensor input = to_model_input(torch::stack(batch), norm, torch::kCPU);
        const torch::Tensor labels = impl_->model->forward(input).argmax(1).to(torch::kInt64);
        const auto* p = labels.contiguous().data_ptr<int64_t>();
        for (int64_t i = 0; i < labels.size(0); ++i) out.push_back(static_cast<int>(p[i]));
    }
    return out;
}

}  // namespace tpgm::facade
