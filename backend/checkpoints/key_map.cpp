// SPDX-License-Identifier: GPL-3.0-or-later
#include "checkpoints/key_map.h"

#include "checkpoints/safetensors.h"
#include "checkpoints/torch_zip_reader.h"
#include "checkpoints/torchscript.h"

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace tpgm {

std::string format_name(CheckpointFormat format) {
    switch (format) {
        case CheckpointFormat::TorchSave:
            return "torch.save";
        case CheckpointFormat::TorchScript:
            return "TorchScript";
        case CheckpointFormat::Safetensors:
            return "safetensors";
        case CheckpointFormat::Workbench:
            return "workbench";
        case CheckpointFormat::Unknown:
            break;
    }
    return "unknown";
}

CheckpointFormat detect_checkpoint_format(const std::string& path) {
    if (!std::filesystem::is_regular_file(path)) return CheckpointFormat::Unknown;
    if (looks_like_safetensors(path)) return CheckpointFormat::Safetensors;
    if (!looks_like_zip(path)) return CheckpointFormat::Unknown;
    std::vector<std::string> records;
    try {
        records = zip_records(path);
    } catch (const CheckpointError&) {
        return CheckpointFormat::Unknown;
    }
    auto has = [&](const std::string& r) {
        return std::count(records.begin(), records.end(), r) > 0;
    };
    if (has("data.pkl") && !has("constants.pkl")) return CheckpointFormat::TorchSave;
    if (!has("constants.pkl")) return CheckpointFormat::Unknown;
    try {
        read_checkpoint(path);  // the workbench's own archives are TorchScript-style too
        return CheckpointFormat::Workbench;
    } catch (const CheckpointError&) {
        return CheckpointFormat::TorchScript;
    }
}

std::string unreadable_checkpoint_message(const std::string& path) {
    const std::string quoted = "'" + path + "'";
    if (!std::filesystem::is_regular_file(path)) return quoted + " does not exist or is not a file";
    if (looks_like_zip(path)) {
        try {
            zip_records(path);
        } catch (const CheckpointError& e) {
            return quoted + " is a zip archive but truncated or damaged (" + e.what() +
                   "); write it again";
        }
        return quoted + " is a zip archive without data.pkl or constants.pkl: not a checkpoint";
    }
    std::ifstream in(path, std::ios::binary);
    unsigned char head[2] = {};
    in.read(reinterpret_cast<char*>(head), 2);
    // Legacy torch.save files are a bare pickle: PROTO opcode 0x80, then protocol 2..5.
    if (in.gcount() == 2 && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5)
        return quoted +
               " is in the legacy (pre-1.6, non-zip) torch.save format: re-save it with a current "
               "PyTorch (torch.save(torch.load(old), new))";
    return quoted + " is not a torch.save zip, TorchScript, safetensors or workbench checkpoint";
}

std::vector<KeyRule> default_key_rules() {
    return {{"module.base_encoder.", ""},
            {"module.encoder_q.", ""},
            {"module.", ""},
            {"_orig_mod.", ""}};
}

std::vector<KeyRule> parse_key_rules(const std::string& text) {
    std::vector<KeyRule> rules;
    std::string item;
    std::stringstream ss(text);
    auto trim = [](std::string s) {
        s.erase(0, s.find_first_not_of(" \t\r"));
        s.erase(s.find_last_not_of(" \t\r") + 1);
        return s;
    };
    while (std::getline(ss, item)) {
        std::stringstream line(item);
        for (std::string r; std::getline(line, r, ',');) {
            r = trim(r);
            if (r.empty()) continue;
            const auto arrow = r.find("=>");
            if (arrow == std::string::npos)
                throw std::invalid_argument("key rule '" + r + "' needs the form from=>to");
            rules.push_back({trim(r.substr(0, arrow)), trim(r.substr(arrow + 2))});
        }
    }
    return rules;
}

StateDict apply_key_rules(const StateDict& state, const std::vector<KeyRule>& rules) {
    StateDict out;
    std::set<std::string> seen;
    for (const auto& [name, t] : state) {
        std::string mapped = name;
        for (const auto& r : rules)
            if (!r.from.empty() && name.rfind(r.from, 0) == 0) {
                mapped = r.to + name.substr(r.from.size());
                break;
            }
        if (seen.insert(mapped).second) out.emplace_back(mapped, t);
    }
    return out;
}

StateDict to_model_names(const Classifier& model, StateDict state) {
    const std::string prefix = model.backbone_prefix();
    if (prefix.empty()) return state;
    for (const auto& entry : state)
        if (entry.first.rfind(prefix, 0) == 0) return state;  // already the model's layout
    for (auto& entry : state) entry.first = prefix + entry.first;
    return state;
}

PretrainedState read_pretrained_state(const std::string& path) {
    PretrainedState out;
    out.format = detect_checkpoint_format(path);
    switch (out.format) {
        case CheckpointFormat::TorchSave: {
            auto c = read_torch_file(path);
            out.state = std::move(c.state);
            out.wrapper = c.wrapper;
            out.ignored = c.ignored;
            break;
        }
        case CheckpointFormat::Safetensors:
            out.state = read_safetensors(path).state;
            break;
        case CheckpointFormat::Workbench:
            out.state = read_checkpoint(path).state;
            break;
        case CheckpointFormat::TorchScript: {
            auto m = TorchScriptModel::load(path);
            for (const auto& [name, t] : state_dict(*m)) out.state.emplace_back(name, t.detach());
            break;
        }
        case CheckpointFormat::Unknown:
            throw CheckpointError(unreadable_checkpoint_message(path));
    }
    return out;
}

LoadReport load_pretrained(Classifier& model, const std::string& path,
                           const PretrainedOptions& options) {
    PretrainedState source = read_pretrained_state(path);
    StateDict mapped = to_model_names(model, apply_key_rules(source.state, options.rules));
    auto allowed = options.allow_missing_prefixes;
    allowed.push_back(model.head_prefix());
    try {
        LoadReport report = load_state_dict(model, mapped, allowed);
        for (const auto& name : source.ignored) report.skipped.emplace_back(name, "not a tensor");
        return report;
    } catch (const CheckpointError& e) {
        throw CheckpointError("'" + path + "' (" + format_name(source.format) + "): " + e.what());
    }
}

}  // namespace tpgm
