// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/corruption_eval.h"

#include "checkpoints/checkpoint.h"
#include "config/config_schema.h"  // ConfigError
#include "data/image_convert.h"
#include "engine/evaluator.h"
#include "engine/run_data.h"
#include "engine/runtime.h"
#include "engine/trainer.h"
#include "robustness/corruptions.h"
#include "runs/set_names.h"

#include <torch/torch.h>

#include <numeric>
#include <stdexcept>

namespace tpgm {

double CorruptionMatrix::mean() const {
    double sum = 0;
    int n = 0;
    for (const auto& row : top1)
        for (double v : row) sum += v, ++n;
    return n ? sum / n : 0;
}

CorruptionMatrix evaluate_corruptions(Classifier& model, const TensorDataset& clean,
                                      const Normalization& norm, const torch::Device& device,
                                      const std::vector<std::string>& corruptions,
                                      const std::vector<int>& severities, std::uint64_t seed,
                                      const std::function<void()>& cell_done) {
    CorruptionMatrix m;
    m.corruptions = corruptions;
    m.severities = severities;
    m.clean_top1 = evaluate(model, clean, norm, device).top1;
    for (const auto& name : corruptions) {
        const auto c = robustness::corruption_from_name(name);
        if (!c) throw std::invalid_argument("'" + name + "' is not an ImageNet-C corruption name");
        std::vector<double> row;
        for (int s : severities) {
            TensorDataset corrupted{name + "-" + std::to_string(s),
                                    map_images(clean.images,
                                               [&](const cv::Mat& img, int64_t i) {
                                                   return robustness::corrupt(img, *c, s,
                                                                              seed * 100003 + i);
                                               }),
                                    clean.labels};
            row.push_back(evaluate(model, corrupted, norm, device).top1);
            if (cell_done) cell_done();
        }
        m.top1.push_back(row);
    }
    return m;
}

std::vector<CorruptionMatrix> evaluate_checkpoints_on_corruptions(
    const RunConfig& config, const std::vector<std::string>& checkpoints,
    const std::vector<std::string>& corruptions, const std::vector<int>& severities, int64_t images,
    EventSink& sink, const RunControl& control) {
    set_threads(config.threads);
    const auto device = resolve_device(config.device);
    const RunSets data = load_run_data(config, sink, control);
    if (data.test->variable_size())
        throw ConfigError(
            "corruption evaluation needs test images of one size; set "
            "seg.eval_size (full-resolution images cannot be held as one batch)");
    const int64_t n = images > 0 ? std::min(images, data.test->size()) : data.test->size();
    std::vector<int64_t> first(n);
    std::iota(first.begin(), first.end(), 0);
    // The clean evaluation crops, held in memory once: every corruption starts from them.
    const SetBatch crops = data.test->load(first, Transform::Eval, 0);
    const TensorDataset clean{kIdSet, crops.images, crops.labels};
    std::vector<std::shared_ptr<Classifier>> models;  // all checked before the long sweep starts
    for (const auto& path : checkpoints) models.push_back(load_model_for(path, data));
    const auto total =
        static_cast<int64_t>(checkpoints.size() * corruptions.size() * severities.size());
    int64_t done = 0;
    auto report = [&] {
        sink.on_progress("evaluating corruptions", done, total);
        if (control.stop_requested()) throw StopRequested();
    };
    report();
    std::vector<CorruptionMatrix> out;
    for (auto& model : models) {
        model->to(device);
        out.push_back(evaluate_corruptions(*model, clean, data.norm, device, corruptions,
                                           severities, config.demo.seed, [&] {
                                               ++done;
                                               report();
                                           }));
    }
    return out;
}

CorruptionErrors corruption_errors(const CorruptionMatrix& model,
                                   const CorruptionMatrix& baseline) {
    if (model.corruptions != baseline.corruptions || model.severities != baseline.severities)
        throw std::invalid_argument(
            "model and baseline were evaluated on different corruptions or severities");
    CorruptionErrors out;
    for (std::size_t c = 0; c < model.corruptions.size(); ++c) {
        double err = 0, base_err = 0, rel = 0, base_rel = 0;
        for (std::size_t s = 0; s < model.severities.size(); ++s) {
            err += 1 - model.top1[c][s];
            base_err += 1 - baseline.top1[c][s];
            rel += (1 - model.top1[c][s]) - (1 - model.clean_top1);
            base_rel += (1 - baseline.top1[c][s]) - (1 - baseline.clean_top1);
        }
        const auto& name = model.corruptions[c];
        out.ce[name] = base_err > 0 ? err / base_err : 0;
        out.relative_ce[name] = base_rel != 0 ? rel / base_rel : 0;
        out.mce += out.ce[name] / model.corruptions.size();
        out.relative_mce += out.relative_ce[name] / model.corruptions.size();
    }
    return out;
}

}  // namespace tpgm
