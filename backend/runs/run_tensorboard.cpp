// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/run_tensorboard.h"

#include "runs/run_paths.h"
#include "runs/run_reader.h"
#include "runs/set_names.h"

#include <chrono>
#include <filesystem>
#include <map>

namespace tpgm {

namespace {

std::string eval_tag(const std::string& set, const char* metric) {
    if (is_headline_set(set)) return "eval/" + set + "/" + metric;
    return "eval/ood/" + set + "/" + metric;
}

// TensorBoard's text plugin renders Markdown: indent the YAML to show it verbatim.
std::string as_code_block(const std::string& text) {
    std::string out = "    ";
    for (char c : text) {
        out += c;
        if (c == '\n') out += "    ";
    }
    return out;
}

}  // namespace

double wall_clock_seconds() {
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

RunTensorBoard::RunTensorBoard(const std::string& tb_dir, double wall_time)
    : writer_(tb_dir, wall_time) {}

void RunTensorBoard::config(const std::string& yaml, double wall_time) {
    writer_.text(wall_time, 0, "config", as_code_block(yaml));
    writer_.flush();
}

void RunTensorBoard::step(const StepEvent& e) {
    writer_.scalar(e.wall_time, e.step, "train/loss", e.loss);
    writer_.scalar(e.wall_time, e.step, "train/lr", e.lr);
    writer_.scalar(e.wall_time, e.step, "train/images_per_sec", e.images_per_sec);
    writer_.flush();
}

void RunTensorBoard::eval(const EvalEvent& e) {
    for (const auto& [set, v] : e.top1)
        writer_.scalar(e.wall_time, e.step, eval_tag(set, "top1"), v);
    for (const auto& [set, v] : e.top5)
        writer_.scalar(e.wall_time, e.step, eval_tag(set, "top5"), v);
    writer_.flush();
}

void RunTensorBoard::radii(const RadiiSnapshot& r, double wall_time) {
    for (std::size_t i = 0; i < r.names.size(); ++i) {
        writer_.scalar(wall_time, r.step, "radii/" + r.names[i], r.radius[i]);
        writer_.scalar(wall_time, r.step, "distance/" + r.names[i], r.distance[i]);
        if (i < r.activity.size())
            writer_.scalar(wall_time, r.step, "activity/" + r.names[i], r.activity[i]);
    }
    writer_.histogram(wall_time, r.step, "radii", r.radius);
    writer_.flush();
}

std::unique_ptr<RunTensorBoard> rebuild_tensorboard(const std::string& run_dir) {
    const RunRecord run = read_run(run_dir);
    const RunPaths paths(run_dir);
    // Runs from before metrics carried times get the folder's config time, then +1 s per step.
    const double start = run.steps.empty() || run.steps.front().wall_time <= 0
                             ? wall_clock_seconds()
                             : run.steps.front().wall_time;
    std::map<int64_t, double> step_time;
    for (const auto& s : run.steps)
        step_time[s.step] = s.wall_time > 0 ? s.wall_time : start + static_cast<double>(s.step);
    auto time_of = [&](int64_t step, double own) {
        if (own > 0) return own;
        const auto it = step_time.upper_bound(step);
        return it == step_time.begin() ? start : std::prev(it)->second;
    };
    // The old event files go only once the new one is whole: a full disk keeps them.
    auto tb = std::make_unique<RunTensorBoard>(paths.tb(), start);
    try {
        if (!run.config_yaml.empty()) tb->config(run.config_yaml, start);
        for (StepEvent s : run.steps) {
            s.wall_time = time_of(s.step, s.wall_time);
            tb->step(s);
        }
        for (EvalEvent e : run.evals) {
            e.wall_time = time_of(e.step, e.wall_time);
            tb->eval(e);
        }
        for (const auto& r : run.radii) tb->radii(r, time_of(r.step, 0));
    } catch (const std::exception&) {
        const std::string partial = tb->path();
        tb.reset();
        std::error_code ec;
        std::filesystem::remove(partial, ec);
        throw;
    }
    remove_event_files(paths.tb(), tb->path());
    return tb;
}

}  // namespace tpgm
