// SPDX-License-Identifier: GPL-3.0-or-later
#include "facade/checkpoint_report.h"

#include "checkpoints/checkpoint.h"
#include "checkpoints/key_map.h"
#include "config/data_sources.h"
#include "data/file_sources.h"
#include "data/image_folder.h"
#include "data/split_list.h"
#include "engine/runtime.h"
#include "models/registry.h"

#include <torch/torch.h>

#include <filesystem>
#include <sstream>

namespace tpgm::facade {

namespace fs = std::filesystem;

std::string CheckpointReport::summary() const {
    if (!ok) return error;
    if (source.empty()) return note;
    std::ostringstream s;
    s << format << ": " << loaded.size() << " tensors loaded, " << skipped.size() << " skipped";
    if (!head.empty()) {
        s << ", new head " << head;
        if (classes > 0) s << " (" << classes << " classes)";
    }
    return s.str();
}

std::string CheckpointReport::text() const {
    if (!ok) return error;
    if (source.empty()) return note;
    std::ostringstream s;
    s << "format:  " << format << "\n";
    if (!wrapper.empty()) s << "wrapper: " << wrapper << "\n";
    s << "tensors: " << tensors_in_file << " in the file\n";
    s << "load into " << architecture << " (" << in_channels << " channel"
      << (in_channels == 1 ? "" : "s");
    if (classes > 0) s << ", " << classes << " classes";
    s << "): " << loaded.size() << " loaded, " << skipped.size() << " skipped, "
      << initialised.size() << " freshly initialised";
    for (const auto& [name, why] : skipped) s << "\n  skipped " << name << ": " << why;
    for (const auto& name : initialised) s << "\n  initialised " << name;
    if (!head.empty()) s << "\nnew head: " << head << " re-initialised for the run's classes";
    if (!note.empty()) s << "\n" << note;
    return s.str();
}

int64_t count_classes(const RunConfig& c) {
    const DataSource* source = find_data_source(c.data);
    if (!source) return 0;
    if (source->known_classes > 0) return source->known_classes;
    if (!source->image_files || source->task != Task::Classification) return 0;
    try {
        return static_cast<int64_t>(file_class_names(c).size());
    } catch (const std::exception&) {
        return 0;
    }
}

CheckpointReport checkpoint_report(const RunConfig& c) {
    CheckpointReport r;
    const DataSource* source = find_data_source(c.data);
    r.in_channels = source ? source->channels : 3;
    r.classes = count_classes(c);
    const int r_channels = static_cast<int>(r.in_channels);  // the data's, before the file's
    r.source = c.pretrained;
    if (c.pretrained.empty()) {
        if (source && source->embedded) {
            r.ok = true;
            r.note =
                "the demo backbone (pre-trained on the benchmark's coarse groups, built with "
                "it)";
        }
        return r;  // data=folders|lists: validate() already asks for a checkpoint
    }
    try {
        if (!fs::exists(c.pretrained)) {
            r.error = "no such file: " + c.pretrained;
            return r;
        }
        const CheckpointFormat format = detect_checkpoint_format(c.pretrained);
        r.format = format_name(format);
        if (format == CheckpointFormat::Unknown) {
            r.error = unreadable_checkpoint_message(c.pretrained);
            return r;
        }
        torch::NoGradGuard no_grad;
        std::shared_ptr<Classifier> model;
        LoadReport report;
        if (format == CheckpointFormat::Workbench) {
            // As the trainer: the architecture comes from the checkpoint, every tensor loads.
            LoadedCheckpoint ckpt = read_checkpoint(c.pretrained);
            r.tensors_in_file = static_cast<int64_t>(ckpt.state.size());
            r.architecture = ckpt.spec.name;
            r.in_channels = ckpt.spec.in_channels;
            if (ckpt.spec.name != c.model)
                r.note = "the architecture comes from the checkpoint (" + ckpt.spec.name +
                         "), not from model: " + c.model;
            if (ckpt.spec.in_channels != r_channels)
                r.note += std::string(r.note.empty() ? "" : "; ") + "the checkpoint expects " +
                          std::to_string(ckpt.spec.in_channels) + "-channel images, the data has " +
                          std::to_string(r_channels);
            model = create_model(ckpt.spec);
            report = load_state_dict(*model, ckpt.state);
        } else {
            const PretrainedState state = read_pretrained_state(c.pretrained);
            r.tensors_in_file = static_cast<int64_t>(state.state.size());
            r.wrapper = state.wrapper;
            ModelSpec spec{c.model, r.classes > 0 ? r.classes : 1000, r.in_channels, c.demo.width};
            r.architecture = c.model;
            model = create_model(spec);
            report = load_pretrained(*model, c.pretrained);
        }
        r.head = model->head_prefix();
        r.loaded = std::move(report.loaded);
        r.skipped = std::move(report.skipped);
        r.initialised = std::move(report.initialised);
        r.ok = true;
    } catch (const std::exception& e) {
        r.ok = false;
        r.error = error_message(e);
    } catch (...) {
        r.ok = false;
        r.error = "unknown error while reading " + c.pretrained;
    }
    return r;
}

std::string write_untrained_checkpoint(const std::string& path, const std::string& model,
                                       int64_t classes, int64_t in_channels, int width,
                                       uint64_t seed) {
    try {
        const ModelSpec spec{model, classes, in_channels, width};
        torch::manual_seed(seed);
        save_checkpoint(path, spec, *create_model(spec));
        return {};
    } catch (const std::exception& e) {
        return error_message(e);
    }
}

}  // namespace tpgm::facade
