// SPDX-License-Identifier: GPL-3.0-or-later
// Value checks of a run config (ranges, choices, cross-key rules) and what a resume may change.
#include "config/config_schema.h"
#include "config/config_table.h"

#include "config/data_sources.h"
#include "robustness/corruptions.h"

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace tpgm {

namespace {

// Bounds on a parameter-name regex (tpgm.exclude): far beyond any real one, well inside the stack
// that std::regex's recursive compiler needs.
constexpr std::size_t kMaxPatternLength = 1000;
constexpr int kMaxPatternGroupDepth = 32;

// How deeply `pattern`'s parentheses nest (escaped ones not counted).
int group_depth(const std::string& pattern) {
    int depth = 0, deepest = 0;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '\\')
            ++i;
        else if (pattern[i] == '(')
            deepest = std::max(deepest, ++depth);
        else if (pattern[i] == ')')
            depth = std::max(0, depth - 1);
    }
    return deepest;
}

// Checks every field against its declared choices and range.
void validate_table(const RunConfig& c, std::vector<ConfigIssue>& issues) {
    for (const auto& f : config_table()) {
        const ConfigFieldInfo& info = f.info;
        const YAML::Node value = f.write(c);
        if (info.type == FieldType::Choice) {
            const auto v = value.as<std::string>();
            if (std::find(info.choices.begin(), info.choices.end(), v) == info.choices.end()) {
                std::string list;
                for (const auto& ch : info.choices) list += (list.empty() ? "" : ", ") + ch;
                issues.push_back({info.key, "'" + v + "' is not one of: " + list});
            }
        } else if (info.type == FieldType::Int || info.type == FieldType::Real) {
            const double v = value.as<double>();
            if (!std::isfinite(v) || v < info.min || v > info.max) {
                std::ostringstream msg;
                msg << "must be ";
                if (info.min > 0 && info.min < 1e-9 && info.max >= kInf)
                    msg << "a positive number";
                else if (info.max >= kInf)
                    msg << "at least " << info.min;
                else
                    msg << "in [" << info.min << ", " << info.max << "]";
                if (!std::isfinite(v))
                    msg << " (got " << (std::isnan(v) ? "NaN" : "infinity") << ")";
                issues.push_back({info.key, msg.str()});
            }
        }
    }
}

void validate_ood_sets(const RunConfig& c, std::vector<ConfigIssue>& issues) {
    const auto& fields = ood_set_fields();
    const auto& kinds = std::find_if(fields.begin(), fields.end(), [](const ConfigFieldInfo& f) {
                            return f.key == "kind";
                        })->choices;
    for (std::size_t i = 0; i < c.ood.size(); ++i) {
        const OodSetConfig& set = c.ood[i];
        const std::string key = "ood[" + std::to_string(i) + "]";
        if (set.path.empty()) issues.push_back({key + ".path", "an OOD set needs a path"});
        if (std::find(kinds.begin(), kinds.end(), set.kind) == kinds.end())
            issues.push_back({key + ".kind", "'" + set.kind + "' is not a set kind"});
        if (set.kind == "corruption") {
            if (!robustness::corruption_from_name(set.corruption))
                issues.push_back({key + ".corruption",
                                  "'" + set.corruption + "' is not an ImageNet-C corruption name"});
            if (set.severity < 1 || set.severity > 5)
                issues.push_back({key + ".severity", "kind corruption needs a severity in 1..5"});
        } else if (!set.corruption.empty() || set.severity != 0) {
            issues.push_back({key + ".kind", "corruption and severity need kind: corruption"});
        }
    }
}

// A corruption list and its severities (demo.* or seg.*, as `prefix` says).
void check_corruptions(const std::vector<std::string>& names, const std::vector<int>& severities,
                       const std::string& prefix, std::vector<ConfigIssue>& issues) {
    // Each corruption and severity once: a repeated one would build and score the same OOD set
    // again (and a list of 100,000 entries took set-up for ever). At most a few lines per key.
    constexpr int kShown = 5;
    int unknown = 0, repeated = 0;
    std::set<std::string> seen;
    for (const auto& name : names) {
        if (!robustness::corruption_from_name(name)) {
            if (unknown++ < kShown)
                issues.push_back(
                    {prefix + "corruptions",
                     "'" + name.substr(0, 60) + "' is not an ImageNet-C corruption name"});
        } else if (!seen.insert(name).second && repeated++ < kShown) {
            issues.push_back({prefix + "corruptions", "'" + name + "' is listed more than once"});
        }
    }
    if (unknown + repeated > 2 * kShown)
        issues.push_back({prefix + "corruptions", std::to_string(unknown) + " unknown and " +
                                                      std::to_string(repeated) +
                                                      " repeated names in all"});
    std::set<int> levels;
    int bad_levels = 0;
    for (int s : severities) {
        const bool in_range = s >= 1 && s <= 5;
        if ((in_range && levels.insert(s).second) || bad_levels++ >= kShown) continue;
        issues.push_back({prefix + "severities",
                          "severity " + std::to_string(s) +
                              (in_range ? " is listed more than once" : " is not in 1..5")});
    }
}

}  // namespace

std::vector<ConfigIssue> validate(const RunConfig& c) {
    std::vector<ConfigIssue> issues;
    auto need = [&](bool ok, const char* key, const std::string& msg) {
        if (!ok) issues.push_back({key, msg});
    };
    validate_table(c, issues);
    check_data_source(c, issues);
    check_corruptions(c.seg.corruptions, c.seg.severities, "seg.", issues);
    const DataSource* source = find_data_source(c.data);
    if (source && !source->embedded) {
        need(c.images.mean.size() == c.images.std.size() &&
                 (c.images.mean.size() == 1 || c.images.mean.size() == 3),
             "images.std", "mean and std need one value, or one per RGB channel");
        for (double s : c.images.std) need(s > 0, "images.std", "every std must be positive");
        validate_ood_sets(c, issues);
    }
    need(!c.run_dir.empty(), "run_dir", "must not be empty");
    const int max_threads = max_sane_threads();  // beyond this LibTorch's pool can deadlock
    need(c.threads <= max_threads, "threads",
         "must be at most " + std::to_string(max_threads) + " (4 per core)");
    need(c.images.loader_threads <= max_threads, "images.loader_threads",
         "must be at most " + std::to_string(max_threads) + " (4 per core)");
    for (const auto& pattern : c.tpgm.exclude) {
        // std::regex compiles and matches by recursion: a hostile pattern (20,000 nested
        // parentheses) overflows the stack, so its size is bounded before it is compiled.
        const std::string shown =
            "'" + pattern.substr(0, 60) + (pattern.size() > 60 ? "...'" : "'");
        if (pattern.size() > kMaxPatternLength) {
            issues.push_back(
                {"tpgm.exclude",
                 shown + " is longer than " + std::to_string(kMaxPatternLength) + " characters"});
            continue;
        }
        if (group_depth(pattern) > kMaxPatternGroupDepth) {
            issues.push_back({"tpgm.exclude", shown + " nests groups deeper than " +
                                                  std::to_string(kMaxPatternGroupDepth)});
            continue;
        }
        try {
            std::regex re(pattern);
        } catch (const std::regex_error&) {
            issues.push_back({"tpgm.exclude", shown + " is not a valid regular expression"});
        }
    }
    need(c.demo.id_train + c.demo.id_proj + c.demo.pretrain_images <= 50000, "demo.id_train",
         "pre-training, ID train and projection images must fit in 50,000 training images");
    need(c.method != "lpft" || c.lpft.probe_epochs < c.epochs, "lpft.probe_epochs",
         "must be fewer than epochs (" + std::to_string(c.epochs) +
             "), or no epoch is left to fine-tune every layer");
    need(!c.optim.nesterov || c.optim.name != "sgd" || c.optim.momentum > 0, "optim.nesterov",
         "Nesterov momentum needs optim.momentum > 0");
    check_corruptions(c.demo.corruptions, c.demo.severities, "demo.", issues);
    return issues;
}

void validate_or_throw(const RunConfig& config) {
    const auto issues = validate(config);
    if (issues.empty()) return;
    std::string msg = "invalid configuration:";
    for (const auto& i : issues) msg += "\n  " + i.key + ": " + i.message;
    throw ConfigError(msg);
}

int max_sane_threads() {
    return 4 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

bool changeable_on_resume(const std::string& key) {
    static const std::vector<std::string> keys = {"epochs",
                                                  "eval_every_epochs",
                                                  "checkpoint_every_epochs",
                                                  "checkpoint_every_steps",
                                                  "keep_checkpoints",
                                                  "threads",
                                                  "device",
                                                  "dist.timeout_s",
                                                  "resume",
                                                  "run_dir",
                                                  "images.loading",
                                                  "images.memory_mb",
                                                  "demo.cache_dir",
                                                  "images.loader_threads",
                                                  "images.prefetch_batches"};
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

std::vector<std::pair<std::string, std::string>> config_differences(const RunConfig& before,
                                                                    const RunConfig& after) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& f : config_table()) {
        const std::string a = field_value_yaml(before, f.info.key);
        const std::string b = field_value_yaml(after, f.info.key);
        if (a != b) out.emplace_back(f.info.key, a + " -> " + b);
    }
    return out;
}

std::vector<std::string> check_resume_changes(const RunConfig& original, const RunConfig& resumed,
                                              const std::string& refusal) {
    std::vector<std::string> changes, refused;
    for (const auto& [key, change] : config_differences(original, resumed)) {
        if (key == "resume" || key == "run_dir" || key == "overwrite") continue;
        (changeable_on_resume(key) ? changes : refused).push_back(key + ": " + change);
    }
    if (!refused.empty()) {
        std::string msg = refusal;
        for (const auto& r : refused) msg += "\n  " + r;
        msg +=
            "\n(only epochs, evaluation and checkpoint cadence, threads, device and image "
            "loading may change; start a new run for the rest)";
        throw ConfigError(msg);
    }
    return changes;
}

}  // namespace tpgm
