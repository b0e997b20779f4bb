#include "engine/evaluator.h"

#include "checkpoints/checkpoint.h"
#include "engine/run_data.h"
#include "engine/runtime.h"
#include "robustness/corruptions.h"

#include <torch/torch.h>

namespace tpgm {

Accuracy evaluate(Classifier& model, const TensorDataset& set, const Normalization& norm,
                  const torch::Device& device, int64_t batch_size) {
    Accuracy acc;
    if (set.size() == 0) return acc;
    torch::NoGradGuard no_grad;
    const bool was_training = model.is_training();
    model.eval();
    int64_t hit1 = 0, hit5 = 0;
    for (int64_t start = 0; start < set.size(); start += batch_size) {
        const int64_t n = std::min(batch_size, set.size() - start);
        auto logits = model.forward(to_model_input(set.images.narrow(0, start, n), norm, device));
        auto labels = set.labels.narrow(0, start, n).to(device);
        const int64_t k = std::min<int64_t>(5, logits.size(1));
        auto topk = std::get<1>(logits.topk(k, 1));
        auto match = topk.eq(labels.unsqueeze(1));
        hit1 += match.select(1, 0).sum().item<int64_t>();
        hit5 += match.any(1).sum().item<int64_t>();
    }
    model.train(was_training);
    acc.count = set.size();
    acc.top1 = static_cast<double>(hit1) / acc.count;
    acc.top5 = static_cast<double>(hit5) / acc.count;
    return acc;
}

torch::Tensor misclassified(Classifier& model, const TensorDataset& set, const Normalization& norm,
                            const torch::Device& device, int64_t batch_size) {
    torch::NoGradGuard no_grad;
    const bool was_training = model.is_training();
    model.eval();
    std::vector<torch::Tensor> wrong;
    for (int64_t start = 0; start < set.size(); start += batch_size) {
        const int64_t n = std::min(batch_size, set.size() - start);
        auto pred = model.forward(to_model_input(set.images.narrow(0, start, n), norm, device))
                        .argmax(1)
                        .cpu();
        wrong.push_back(pred.ne(set.labels.narrow(0, start, n)).nonzero().flatten() + start);
    }
    model.train(was_training);
    return wrong.empty() ? torch::zeros({0}, torch::kLong) : torch::cat(wrong);
}

std::map<std::string, Accuracy> evaluate_sets(Classifier& model,
                                              const std::vector<TensorDataset>& sets,
                                              const Normalization& norm,
                                              const torch::Device& device) {
    std::map<std::string, Accuracy> out;
    for (const auto& set : sets) out[set.name] = evaluate(model, set, norm, device);
    return out;
}

bool is_corruption_set(const std::string& name) {
    const auto dash = name.rfind('-');
    return dash != std::string::npos && dash + 2 == name.size() && name[dash + 1] >= '1' &&
           name[dash + 1] <= '5' &&
           robustness::corruption_from_name(name.substr(0, dash)).has_value();
}

void add_ood_aggregates(std::map<std::string, double>& accuracy) {
    double corr = 0, other = 0;
    int n_corr = 0, n_other = 0;
    for (const auto& [name, acc] : accuracy) {
        if (name == "id") continue;
        if (is_corruption_set(name))
            corr += acc, ++n_corr;
        else
            other += acc, ++n_other;
    }
    if (n_corr) accuracy["corruption_mean"] = corr / n_corr;
    const int parts = n_other + (n_corr ? 1 : 0);
    if (parts) accuracy["ood_mean"] = (other + (n_corr ? corr / n_corr : 0)) / parts;
}

EvalEvent evaluate_benchmark(Classifier& model, const DemoBenchmark& data,
                             const torch::Device& device) {
    std::vector<TensorDataset> sets{data.id_test};
    sets.front().name = "id";
    sets.insert(sets.end(), data.ood.begin(), data.ood.end());
    EvalEvent e;
    for (const auto& [name, acc] : evaluate_sets(model, sets, data.norm, device)) {
        e.top1[name] = acc.top1;
        e.top5[name] = acc.top5;
    }
    add_ood_aggregates(e.top1);
    add_ood_aggregates(e.top5);
    return e;
}

EvalEvent evaluate_checkpoint(const RunConfig& config, const std::string& checkpoint,
                              EventSink& sink) {
    set_threads(config.threads);
    const auto device = resolve_device(config.device);
    const DemoBenchmark data = load_run_data(config, sink);
    auto model = load_model(checkpoint);
    if (model->num_classes() != static_cast<int64_t>(data.class_names.size()))
        throw CheckpointError("'" + checkpoint + "' has " + std::to_string(model->num_classes()) +
                              " outputs; the benchmark has " +
                              std::to_string(data.class_names.size()) + " classes");
    model->to(device);
    return evaluate_benchmark(*model, data, device);
}

}  // namespace tpgm
