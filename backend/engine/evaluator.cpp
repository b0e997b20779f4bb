// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/evaluator.h"

#include "checkpoints/checkpoint.h"
#include "data/mask_tensor_set.h"
#include "engine/run_data.h"
#include "engine/runtime.h"
#include "engine/trainer.h"
#include "runs/set_names.h"
#include "segmentation/metrics.h"

#include <torch/torch.h>

#include <cmath>
#include <numeric>

namespace tpgm {
namespace {

// Streams the evaluation crops of this process's share of `set` through `model` in eval mode
// without gradients; calls `visit(first index, logits, batch)` per non-empty batch.
template <typename Visit>
void for_each_eval_batch(Classifier& model, const ImageSetPtr& set, const Normalization& norm,
                         const torch::Device& device, const StreamOptions& stream,
                         int64_t batch_size, const EvalShard& shard, Visit visit) {
    torch::NoGradGuard no_grad;
    const bool was_training = model.is_training();
    model.eval();
    if (set->variable_size()) batch_size = 1;  // full-resolution images of different sizes
    const RankShare share = rank_share(set->size(), shard.index, shard.count);
    std::vector<int64_t> order(share.count);
    std::iota(order.begin(), order.end(), share.first);
    BatchStream batches(
        set, plan_batches(order, batch_size, 0, share.count, [](int64_t) { return uint64_t{0}; }),
        Transform::Eval, stream);
    // Inputs in the model's own precision (float64 runs); float for a model without parameters.
    const auto parameters = model.parameters();
    const auto input = torch::TensorOptions(device).dtype(
        parameters.empty() ? torch::kFloat : parameters.front().scalar_type());
    SetBatch b;
    for (int64_t first = share.first; batches.next(b); first += batch_size) {
        if (b.labels.size(0) == 0) continue;
        torch::Tensor logits = model.forward(to_model_input(b.images, norm, input));
        // NaN logits would score as class 0 and give an accuracy; they are an error instead.
        if (!torch::isfinite(logits).all().item<bool>())
            throw std::runtime_error("the model's outputs on '" + set->info().name + "' (images " +
                                     std::to_string(first + 1) + " to " +
                                     std::to_string(first + b.labels.size(0)) +
                                     ") are NaN or infinite: its weights or statistics are "
                                     "broken, so it has no accuracy");
        visit(first, std::move(logits), b);
    }
    model.train(was_training);
}

// Calls `visit(first index, top-k class indices [n, k], labels [n], skipped)` per batch of a
// classification set. Labels of unreadable files are absent from a batch.
template <typename Visit>
void predict(Classifier& model, const ImageSetPtr& set, const Normalization& norm,
             const torch::Device& device, const StreamOptions& stream, int64_t batch_size,
             int64_t k, Visit visit, const EvalShard& shard = {}) {
    const auto& subset = set->info().class_subset;
    const torch::Tensor columns = torch::tensor(subset, torch::kInt64).to(device);
    for_each_eval_batch(model, set, norm, device, stream, batch_size, shard,
                        [&](int64_t first, torch::Tensor logits, const SetBatch& b) {
                            if (!subset.empty()) logits = logits.index_select(1, columns);
                            auto top =
                                std::get<1>(logits.topk(std::min<int64_t>(k, logits.size(1)), 1));
                            if (!subset.empty())  // subset positions -> class indices
                                top = columns.index_select(0, top.flatten()).view_as(top);
                            visit(first, top.cpu(), b.labels, b.skipped);
                        });
}

// A segmentation set's mIoU (as top1) and pixel accuracy (as top5), from the confusion matrix
// of all its pixels (summed over the shards' processes).
Accuracy evaluate_dense(Classifier& model, const ImageSetPtr& set, const Normalization& norm,
                        const torch::Device& device, const StreamOptions& stream,
                        int64_t batch_size, const EvalShard& shard) {
    ConfusionMatrix confusion(model.num_classes(), kIgnoreLabel);
    Accuracy acc;
    for_each_eval_batch(model, set, norm, device, stream, batch_size, shard,
                        [&](int64_t, const torch::Tensor& logits, const SetBatch& b) {
                            confusion.add(logits.argmax(1).cpu(), b.labels);
                            acc.count += b.labels.size(0);
                        });
    if (shard.count > 1) {
        const auto counts = confusion.matrix().to(torch::kDouble);
        std::vector<double> local(counts.data_ptr<double>(),
                                  counts.data_ptr<double>() + counts.numel());
        local.push_back(static_cast<double>(acc.count));
        auto all = shard.sum(std::move(local));
        acc.count = std::llround(all.back());
        all.pop_back();
        confusion.reset();
        confusion.add_counts(torch::tensor(all, torch::kDouble)
                                 .round()
                                 .to(torch::kInt64)
                                 .view({model.num_classes(), model.num_classes()}));
    }
    if (acc.count == 0) return acc;
    acc.top1 = confusion.mean_iou();
    acc.top5 = confusion.pixel_accuracy();
    acc.class_iou = confusion.iou();
    return acc;
}

}  // namespace

Accuracy evaluate(Classifier& model, const ImageSetPtr& set, const Normalization& norm,
                  const torch::Device& device, const StreamOptions& stream, int64_t batch_size,
                  const EvalShard& shard) {
    if (set->dense()) return evaluate_dense(model, set, norm, device, stream, batch_size, shard);
    Accuracy acc;
    int64_t hit1 = 0, hit5 = 0;
    predict(
        model, set, norm, device, stream, batch_size, 5,
        [&](int64_t, const torch::Tensor& top, const torch::Tensor& labels, int64_t) {
            auto match = top.eq(labels.unsqueeze(1));
            hit1 += match.select(1, 0).sum().item<int64_t>();
            hit5 += match.any(1).sum().item<int64_t>();
            acc.count += labels.size(0);
        },
        shard);
    if (shard.count > 1) {
        const auto all = shard.sum(
            {static_cast<double>(hit1), static_cast<double>(hit5), static_cast<double>(acc.count)});
        hit1 = std::llround(all[0]), hit5 = std::llround(all[1]), acc.count = std::llround(all[2]);
    }
    if (acc.count == 0) return acc;
    acc.top1 = static_cast<double>(hit1) / acc.count;
    acc.top5 = static_cast<double>(hit5) / acc.count;
    return acc;
}

Accuracy evaluate(Classifier& model, const TensorDataset& set, const Normalization& norm,
                  const torch::Device& device, int64_t batch_size) {
    if (set.size() == 0) return {};
    const ImageSetPtr images = set.labels.dim() == 3
                                   ? make_mask_tensor_set(set.images, set.labels, {set.name})
                                   : make_tensor_set(set, {set.name});
    return evaluate(model, images, norm, device, {0, 1}, batch_size);
}

std::vector<int64_t> misclassified(Classifier& model, const ImageSetPtr& set,
                                   const Normalization& norm, const torch::Device& device,
                                   const StreamOptions& stream) {
    std::vector<int64_t> wrong;
    predict(
        model, set, norm, device, stream, kEvalBatch, 1,
        [&](int64_t first, const torch::Tensor& top, const torch::Tensor& labels, int64_t skipped) {
            if (skipped)
                throw DatasetError("set '" + set->info().name +
                                   "' has unreadable images; cannot index mistakes");
            auto wrong_here = top.select(1, 0).ne(labels).nonzero().flatten() + first;
            for (int64_t k = 0; k < wrong_here.size(0); ++k)
                wrong.push_back(wrong_here[k].item<int64_t>());
        });
    return wrong;
}

void add_ood_aggregates(std::map<std::string, double>& accuracy, const std::vector<SetInfo>& ood) {
    double corr = 0, other = 0;
    int n_corr = 0, n_other = 0;
    for (const auto& info : ood) {
        auto it = accuracy.find(info.name);
        if (it == accuracy.end()) continue;
        if (info.kind == SetKind::Corruption)
            corr += it->second, ++n_corr;
        else
            other += it->second, ++n_other;
    }
    if (n_corr) accuracy[kCorruptionMean] = corr / n_corr;
    const int parts = n_other + (n_corr ? 1 : 0);
    if (parts) accuracy[kOodMean] = (other + (n_corr ? corr / n_corr : 0)) / parts;
}

EvalEvent evaluate_run_sets(Classifier& model, const RunSets& data, const torch::Device& device,
                            const StreamOptions& stream, EventSink* progress,
                            const EvalShard& shard, const RunControl* control) {
    EvalEvent e;
    const auto total = static_cast<int64_t>(data.ood.size()) + 1;
    int64_t done = 0;
    auto score = [&](const ImageSetPtr& set, const std::string& name, const std::string& label) {
        if (control && control->stop_requested()) throw StopRequested();
        if (progress) progress->on_progress(kEvaluationPhase + label, done, total);
        const Accuracy acc = evaluate(model, set, data.norm, device, stream, kEvalBatch, shard);
        e.top1[name] = acc.top1;
        e.top5[name] = acc.top5;
        if (!acc.class_iou.empty()) e.class_iou.sets[name] = acc.class_iou;
        ++done;
    };
    score(data.test, kIdSet, "ID test");
    std::vector<SetInfo> infos;
    for (const auto& set : data.ood) {
        const std::string& name = set->info().name;
        score(set, name,
              "OOD set " + std::to_string(done) + " of " + std::to_string(total - 1) + " (" + name +
                  ")");
        infos.push_back(set->info());
    }
    if (progress) progress->on_progress(kEvaluationPhase, done, total);
    add_ood_aggregates(e.top1, infos);
    add_ood_aggregates(e.top5, infos);
    if (!e.class_iou.empty()) e.class_iou.classes = data.class_names;
    return e;
}

std::shared_ptr<Classifier> load_model_for(const std::string& checkpoint, const RunSets& data) {
    const LoadedCheckpoint ckpt = read_checkpoint(checkpoint);
    const auto classes = static_cast<int64_t>(data.class_names.size());
    if (ckpt.spec.num_classes != classes || ckpt.spec.in_channels != data.channels)
        throw CheckpointError("'" + checkpoint + "' holds a " + ckpt.spec.name + " for " +
                              std::to_string(ckpt.spec.in_channels) + "-channel images and " +
                              std::to_string(ckpt.spec.num_classes) + " classes; the data has " +
                              std::to_string(data.channels) + "-channel images and " +
                              std::to_string(classes) + " classes");
    return load_model(ckpt, checkpoint);
}

EvalEvent evaluate_checkpoint(const RunConfig& config, const std::string& checkpoint,
                              EventSink& sink, const RunControl& control) {
    set_threads(config.threads);
    const auto device = resolve_device(config.device);
    const RunSets data = load_run_data(config, sink, control);
    auto model = load_model_for(checkpoint, data);
    model->to(device);
    return evaluate_run_sets(*model, data, device, stream_options(config), &sink, {}, &control);
}

}  // namespace tpgm
