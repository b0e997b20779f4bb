// SPDX-License-Identifier: GPL-3.0-or-later
#include "checkpoints/checkpoint.h"

#include "checkpoints/torch_zip_reader.h"
#include "files/atomic_file.h"

#include <torch/torch.h>

#include <filesystem>
#include <set>
#include <sstream>

namespace tpgm {
namespace {

constexpr const char* kFormat = "tpgm-workbench-checkpoint/1";

bool has_prefix(const std::string& name, const std::vector<std::string>& prefixes) {
    for (const auto& p : prefixes)
        if (name.rfind(p, 0) == 0) return true;
    return false;
}

std::string shape_str(const torch::Tensor& t) {
    std::ostringstream s;
    s << t.sizes();
    return s.str();
}

}  // namespace

std::string LoadReport::summary() const {
    std::ostringstream s;
    s << loaded.size() << " tensors loaded, " << skipped.size() << " skipped, "
      << initialised.size() << " freshly initialised";
    for (const auto& [name, why] : skipped) s << "\n  skipped " << name << ": " << why;
    for (const auto& name : initialised) s << "\n  initialised " << name;
    return s.str();
}

StateDict state_dict(const torch::nn::Module& module) {
    StateDict out;
    for (const auto& p : module.named_parameters()) out.emplace_back(p.key(), p.value());
    for (const auto& b : module.named_buffers()) out.emplace_back(b.key(), b.value());
    return out;
}

LoadReport load_state_dict(torch::nn::Module& module, const StateDict& state,
                           const std::vector<std::string>& allow_missing_prefixes) {
    LoadReport report;
    std::vector<std::string> errors;
    std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;
    std::set<std::string> target_names;
    const StateDict targets = state_dict(module);
    std::map<std::string, torch::Tensor> source(state.begin(), state.end());
    for (const auto& [name, target] : targets) {
        target_names.insert(name);
        auto it = source.find(name);
        if (it == source.end()) {
            if (has_prefix(name, allow_missing_prefixes))
                report.initialised.push_back(name);
            else
                errors.push_back(name + " is missing from the checkpoint");
            continue;
        }
        if (!it->second.defined() || it->second.sizes() != target.sizes()) {
            const std::string why = "shape " +
                                    (it->second.defined() ? shape_str(it->second) : "?") +
                                    " in the checkpoint, " + shape_str(target) + " in the model";
            if (has_prefix(name, allow_missing_prefixes)) {
                report.skipped.emplace_back(name, why);
                report.initialised.push_back(name);
            } else {
                errors.push_back(name + ": " + why);
            }
            continue;
        }
        // Values a model cannot run with: they trained to NaN and reported "completed" before.
        if (it->second.is_floating_point()) {
            torch::NoGradGuard no_grad;
            if (!torch::isfinite(it->second).all().item<bool>()) {
                errors.push_back(name + " holds NaN or infinite values");
                continue;
            }
            const std::string var = "running_var";
            if (name.size() >= var.size() &&
                name.compare(name.size() - var.size(), var.size(), var) == 0 &&
                it->second.numel() > 0 && it->second.min().item<double>() < 0) {
                errors.push_back(name + " holds a negative BatchNorm variance (" +
                                 std::to_string(it->second.min().item<double>()) + ")");
                continue;
            }
        }
        copies.emplace_back(target, it->second);
        report.loaded.push_back(name);
    }
    for (const auto& [name, _] : state)
        if (!target_names.count(name)) report.skipped.emplace_back(name, "not in the model");
    if (!errors.empty()) {
        std::string msg = "checkpoint does not fit the model:";
        for (std::size_t i = 0; i < errors.size() && i < 10; ++i) msg += "\n  " + errors[i];
        if (errors.size() > 10)
            msg += "\n  ... and " + std::to_string(errors.size() - 10) + " more";
        throw CheckpointError(msg);
    }
    torch::NoGradGuard no_grad;
    for (auto& [dst, src] : copies) dst.copy_(src);
    return report;
}

void save_checkpoint(const std::string& path, const ModelSpec& spec, const torch::nn::Module& model,
                     const std::function<void(torch::serialize::OutputArchive&)>& extra) {
    torch::serialize::OutputArchive archive;
    archive.write("format", c10::IValue(std::string(kFormat)));
    archive.write("spec_name", c10::IValue(spec.name));
    archive.write("spec_num_classes", c10::IValue(spec.num_classes));
    archive.write("spec_in_channels", c10::IValue(spec.in_channels));
    archive.write("spec_width", c10::IValue(static_cast<int64_t>(spec.width)));
    c10::List<std::string> names;
    c10::List<at::Tensor> tensors;
    for (const auto& [name, t] : state_dict(model)) {
        names.push_back(name);
        torch::Tensor cpu = t.detach().to(torch::kCPU);
        // A view into a larger storage (TPGM's flat parameter buffer) would carry that whole
        // storage into the file; each tensor is saved with its own.
        if (cpu.storage().nbytes() != static_cast<size_t>(cpu.numel() * cpu.element_size()))
            cpu = cpu.clone();
        tensors.push_back(cpu);
    }
    archive.write("state_names", c10::IValue(names));
    archive.write("state_tensors", c10::IValue(tensors));
    if (extra) extra(archive);
    std::ostringstream bytes;
    archive.save_to(bytes);
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    write_file_atomically(path, bytes.str());
}

LoadedCheckpoint read_checkpoint(const std::string& path) {
    if (!std::filesystem::is_regular_file(path))
        throw CheckpointError("checkpoint '" + path + "' does not exist or is not a file");
    check_archive_pickles(path);
    LoadedCheckpoint out;
    try {
        out.archive.load_from(path, torch::kCPU);
    } catch (const c10::Error& e) {
        throw CheckpointError("checkpoint '" + path +
                              "' is truncated or not a TPGM Workbench checkpoint (" +
                              std::string(e.what_without_backtrace()).substr(0, 200) + ")");
    }
    auto read = [&](const char* key) {
        c10::IValue v;
        if (!out.archive.try_read(key, v))
            throw CheckpointError("checkpoint '" + path + "' lacks '" + key + "'");
        return v;
    };
    try {
        if (read("format").toStringRef() != kFormat)
            throw CheckpointError("checkpoint '" + path + "' has an unknown format");
        out.spec.name = read("spec_name").toStringRef();
        out.spec.num_classes = read("spec_num_classes").toInt();
        out.spec.in_channels = read("spec_in_channels").toInt();
        out.spec.width = static_cast<int>(read("spec_width").toInt());
        const auto names = read("state_names").toListRef();
        const auto tensors = read("state_tensors").toTensorList();
        if (names.size() != tensors.size())
            throw CheckpointError("checkpoint '" + path + "' has " + std::to_string(names.size()) +
                                  " names for " + std::to_string(tensors.size()) + " tensors");
        for (std::size_t i = 0; i < names.size(); ++i)
            out.state.emplace_back(names[i].toStringRef(), tensors.get(i));
    } catch (const c10::Error& e) {
        throw CheckpointError("checkpoint '" + path + "' is malformed: " +
                              std::string(e.what_without_backtrace()).substr(0, 200));
    }
    return out;
}

std::shared_ptr<Classifier> load_model(const std::string& path) {
    return load_model(read_checkpoint(path), path);
}

std::shared_ptr<Classifier> load_model(const LoadedCheckpoint& ckpt, const std::string& path) {
    std::shared_ptr<Classifier> model;
    try {
        model = create_model(ckpt.spec);
    } catch (const std::invalid_argument& e) {
        throw CheckpointError("checkpoint '" + path + "': " + e.what());
    }
    load_state_dict(*model, ckpt.state);
    return model;
}

}  // namespace tpgm
