// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/fork.h"

#include "checkpoints/checkpoint.h"
#include "config/config_schema.h"
#include "config/data_sources.h"
#include "files/atomic_file.h"
#include "runs/fork_marker.h"
#include "runs/run_discovery.h"
#include "runs/run_format.h"
#include "runs/run_lock.h"
#include "runs/run_paths.h"
#include "runs/run_store.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace tpgm {
namespace fs = std::filesystem;

namespace {

// Settings the checkpoint's weights depend on: the model and the data it was trained on.
bool is_state_shaping(const std::string& key) {
    static const std::vector<std::string> keys = {
        "model",       "pretrained", "data",
        "images.size", "freeze_bn",  "batch_size"};  // not state, but it moves what "step N" means
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) return true;
    for (const auto& source : data_sources())  // every source's own keys (folders.train, seg.root)
        if (key.rfind(source.section + ".", 0) == 0 && key != "demo.cache_dir") return true;
    for (const char* prefix : {"images.mean", "images.std"})
        if (key.rfind(prefix, 0) == 0) return true;
    return key == "ood";
}

// Lines of `path` up to the first step/eval entry after `step` (metrics.jsonl), so that the
// fork's history is the parent's up to the fork point, its log lines included.
std::string metrics_until(const std::string& path, int64_t step) {
    using Kind = run_format::MetricsEntry::Kind;
    std::ifstream in(path);
    std::string out;
    for (std::string line; std::getline(in, line);) {
        const auto e = run_format::parse_metrics_line(line);
        if (!e) continue;
        if ((e->kind == Kind::step || e->kind == Kind::eval) && e->step_number() > step) break;
        out += line + '\n';
    }
    return out;
}

// The parent's optimiser steps per epoch, from its step lines' total (0 when it has none).
int64_t steps_per_epoch(const std::string& metrics, int epochs) {
    using Kind = run_format::MetricsEntry::Kind;
    std::ifstream in(metrics);
    int64_t total = 0;
    for (std::string line; std::getline(in, line);) {
        const auto e = run_format::parse_metrics_line(line);
        if (e && e->kind == Kind::step) total = e->step.total_steps;
    }
    return epochs > 0 ? total / epochs : 0;
}

std::string steps_text(const std::vector<int64_t>& steps) {
    std::string s;
    for (int64_t k : steps) s += (s.empty() ? "" : ", ") + std::to_string(k);
    return s.empty() ? "none" : s;
}

}  // namespace

ForkRequest parse_fork_spec(const std::string& spec) {
    ForkRequest r;
    r.parent = spec;
    const auto at = spec.rfind('@');
    if (at == std::string::npos) return r;
    const std::string digits = spec.substr(at + 1);
    if (digits.empty() || digits.size() > 18 ||
        !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }))
        throw ConfigError("--fork: '" + spec + "' is not RUN or RUN@STEP (STEP a whole number)");
    r.parent = spec.substr(0, at);
    r.step = std::stoll(digits);
    return r;
}

bool changeable_in_fork(const std::string& key) {
    return !is_state_shaping(key);
}

bool resets_method_state(const std::string& key) {
    return key == "method" || key == "tpgm.norm" || key == "tpgm.exclude" ||
           key == "tpgm.post_hoc" ||
           key == "lpft.probe_epochs";  // moves the switch to the second optimiser
}

RunConfig prepare_fork(const ForkRequest& request) {
    const RunPaths parent(request.parent);
    if (!fs::exists(parent.config()))
        throw ConfigError("--fork: '" + request.parent + "' is not a run folder (no config.yaml)");
    const RunConfig base = load_config_file(parent.config());
    RunConfig cfg = base;
    for (const auto& o : request.overrides) apply_override(cfg, o);
    const bool overwrite = request.overwrite || cfg.overwrite;
    const std::string run_dir = !request.run_dir.empty()      ? request.run_dir
                                : cfg.run_dir != base.run_dir ? cfg.run_dir
                                                              : "";
    cfg.resume = base.resume;
    cfg.overwrite = base.overwrite;

    std::vector<std::string> changes, refused;
    bool fresh_method_state = false;  // the method's own state (radii, optimiser) starts anew
    for (const auto& [key, change] : config_differences(base, cfg)) {
        if (key == "run_dir") continue;
        (changeable_in_fork(key) ? changes : refused).push_back(key + ": " + change);
        fresh_method_state |= resets_method_state(key);
    }
    if (!refused.empty()) {
        std::string msg = "a fork continues its parent's trained state; these cannot change:";
        for (const auto& r : refused) msg += "\n  " + r;
        msg +=
            "\n(model, checkpoint, data, image size and normalisation, batch size and "
            "freeze_bn shape that state; start a new run for them)";
        throw ConfigError(msg);
    }

    const std::string source =
        request.step ? parent.step_checkpoint(*request.step) : parent.last_checkpoint();
    if (!fs::exists(source))
        throw ConfigError(
            "--fork: run '" + request.parent + "' has no checkpoint " +
            (request.step ? "at step " + std::to_string(*request.step) : std::string("(last.pt)")) +
            "; it keeps step checkpoints at: " + steps_text(parent.step_checkpoints()) +
            " (set checkpoint_every_steps and keep_checkpoints for more)");
    c10::IValue saved_step;
    if (!read_checkpoint(source).archive.try_read("train_step", saved_step))
        throw ConfigError("--fork: '" + source + "' holds weights only, not a training state");
    const int64_t step = saved_step.toInt();
    const int64_t per_epoch = steps_per_epoch(parent.metrics(), base.epochs);
    if (per_epoch > 0 && step >= per_epoch * cfg.epochs)
        throw ConfigError("the fork would start at step " + std::to_string(step) + ", where " +
                          std::to_string(cfg.epochs) +
                          " epochs end: raise epochs to train on from there");

    cfg.run_dir = run_dir.empty() ? request.parent + "-fork-" + std::to_string(step) : run_dir;
    std::error_code ec;
    if (fs::exists(cfg.run_dir) && fs::equivalent(cfg.run_dir, request.parent, ec))
        throw ConfigError("--fork: the fork needs its own run_dir, not the parent's");
    if (holds_run(cfg.run_dir) && !overwrite)
        throw ConfigError("run folder '" + cfg.run_dir +
                          "' already holds a run; choose another run_dir or --overwrite");
    {
        RunLock lock(cfg.run_dir);
        const RunStore fresh{cfg.run_dir, false};  // an earlier run's files removed
        const RunPaths child(cfg.run_dir);
        const std::string what = "forked from '" + request.parent + "' at step " +
                                 std::to_string(step) +
                                 (changes.empty() ? "; nothing changed" : "; changed: ");
        std::string joined;
        for (const auto& c : changes) joined += (joined.empty() ? "" : ", ") + c;
        write_file_atomically(child.metrics(),
                              metrics_until(parent.metrics(), step) +
                                  run_format::metrics_line(LogEvent{"info", what + joined}));
        // All of radii.csv: the resumed trainer's discard_after drops the rows after the step.
        fs::copy_file(parent.radii(), child.radii(), fs::copy_options::overwrite_existing);
        fs::copy_file(source, child.last_checkpoint(), fs::copy_options::overwrite_existing);
        cfg.resume = true;
        cfg.overwrite = false;
        run_format::ForkRecord fork;
        fork.parent = fs::absolute(request.parent).lexically_normal().string();
        fork.step = step;
        fork.changes = changes;
        fork.fresh_method_state = fresh_method_state;
        write_file_atomically(child.fork(), run_format::fork_json(fork));
        write_file_atomically(child.config(), config_file_text(child, cfg));
    }
    return cfg;
}

}  // namespace tpgm
