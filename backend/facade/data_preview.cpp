// SPDX-License-Identifier: GPL-3.0-or-later
#include "facade/data_preview.h"

#include "config/data_sources.h"
#include "data/image_convert.h"
#include "engine/run_data.h"
#include "engine/runtime.h"

#include <torch/torch.h>

#include <map>

namespace tpgm::facade {

namespace {

// Up to `count` indices of `set`, one class after the other, so that every class shows.
std::vector<int64_t> spread_indices(const ImageSet& set, int count) {
    const torch::Tensor labels = set.labels().to(torch::kInt64).contiguous();
    const int64_t n = labels.numel();
    const int64_t* l = labels.data_ptr<int64_t>();
    std::map<int64_t, std::vector<int64_t>> by_class;
    for (int64_t i = 0; i < n; ++i) by_class[l[i]].push_back(i);
    std::vector<int64_t> out;
    for (std::size_t round = 0; static_cast<int>(out.size()) < count; ++round) {
        bool any = false;
        for (auto& [label, indices] : by_class) {
            if (round >= indices.size()) continue;
            any = true;
            out.push_back(indices[round]);
            if (static_cast<int>(out.size()) == count) break;
        }
        if (!any) break;
    }
    return out;
}

PreviewSet preview(const ImageSetPtr& set, const std::string& role, int per_set,
                   const std::vector<std::string>& class_names) {
    PreviewSet p;
    p.role = role;
    p.name = set->info().name;
    p.kind = set_kind_name(set->info().kind);
    p.size = set->size();
    p.in_memory = set->in_memory();
    const auto indices = spread_indices(*set, per_set);
    if (indices.empty()) return p;
    const SetBatch batch = set->load(indices, Transform::Eval, 0);
    const torch::Tensor labels = batch.labels.to(torch::kInt64).contiguous();
    for (int64_t i = 0; i < batch.images.size(0); ++i) {
        p.images.push_back(tensor_to_mat(batch.images[i].contiguous()));
        const int64_t label = labels[i].item<int64_t>();
        p.labels.push_back(static_cast<int>(label));
        p.label_names.push_back(label >= 0 && label < static_cast<int64_t>(class_names.size())
                                    ? class_names[label]
                                    : std::to_string(label));
    }
    return p;
}

}  // namespace

DataPreview load_data_preview(const RunConfig& config, int per_set, const ProgressFn& progress) {
    DataPreview out;
    try {
        RunConfig c = config;
        // Only the samples are needed: stream image files instead of decoding every one.
        if (data_source(c).image_files) c.images.loading = "stream";
        const RunSets sets = load_run_data(c, LoadCallbacks{progress, [&out](const std::string& m) {
                                                                out.warnings.push_back(m);
                                                            }});
        out.class_names = sets.class_names;
        if (sets.train) out.sets.push_back(preview(sets.train, "train", per_set, out.class_names));
        if (sets.proj) out.sets.push_back(preview(sets.proj, "proj", per_set, out.class_names));
        if (sets.test) out.sets.push_back(preview(sets.test, "test", per_set, out.class_names));
        for (const auto& ood : sets.ood)
            out.sets.push_back(preview(ood, "ood", per_set, out.class_names));
    } catch (const std::exception& e) {
        out.sets.clear();
        out.error = error_message(e);
    } catch (...) {
        out.sets.clear();
        out.error = "unknown error while loading the data";
    }
    return out;
}

}  // namespace tpgm::facade
