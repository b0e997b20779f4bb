// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/comparison.h"

#include "checkpoints/atomic_file.h"
#include "config/config_schema.h"
#include "engine/run_store.h"
#include "engine/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;

namespace tpgm {
namespace {

std::string percent(const SeedStats& s) {
    char text[48];
    std::snprintf(text, sizeof text, "%.1f ± %.1f", 100 * s.mean, 100 * s.std);
    return text;
}

}  // namespace

double median_step_seconds(const std::vector<StepEvent>& steps) {
    std::vector<double> dt;
    for (std::size_t i = 1; i < steps.size(); ++i)
        if (steps[i].wall_time > 0 && steps[i - 1].wall_time > 0 &&
            steps[i].step == steps[i - 1].step + 1)
            dt.push_back(steps[i].wall_time - steps[i - 1].wall_time);
    if (dt.empty()) return std::nan("");
    std::nth_element(dt.begin(), dt.begin() + dt.size() / 2, dt.end());
    return dt[dt.size() / 2];
}

SeedStats seed_stats(const std::vector<double>& values) {
    SeedStats s;
    s.n = static_cast<int>(values.size());
    if (values.empty()) return s;
    for (double x : values) s.mean += x / s.n;
    if (s.n > 1) {
        for (double x : values) s.std += (x - s.mean) * (x - s.mean) / (s.n - 1);
        s.std = std::sqrt(s.std);
    }
    return s;
}

Comparison compare_runs(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& entries) {
    Comparison table;
    std::vector<std::string> sets;
    for (const auto& [entry, dirs] : entries) {
        ComparisonRow row;
        row.entry = entry;
        std::map<std::string, std::vector<double>> top1;
        std::vector<double> wall, step;
        for (const auto& dir : dirs) {
            const RunRecord run = read_run(dir);
            if (!run.summary || run.summary->status != "completed") continue;
            row.runs.push_back(dir);
            for (const auto& [set, acc] : run.summary->final_top1) {
                top1[set].push_back(acc);
                if (std::find(sets.begin(), sets.end(), set) == sets.end()) sets.push_back(set);
            }
            wall.push_back(run.summary->seconds);
            const double s = median_step_seconds(run.steps);
            if (std::isfinite(s)) step.push_back(s);
        }
        for (const auto& [set, values] : top1) row.top1[set] = seed_stats(values);
        row.wall_seconds = seed_stats(wall);
        row.step_seconds = seed_stats(step);
        table.rows.push_back(std::move(row));
    }
    for (const char* first : {"id", "ood_mean", "corruption_mean"})
        if (std::find(sets.begin(), sets.end(), first) != sets.end())
            table.columns.push_back(first);
    for (const auto& set : sets)
        if (std::find(table.columns.begin(), table.columns.end(), set) == table.columns.end())
            table.columns.push_back(set);
    const auto base = std::find_if(table.rows.begin(), table.rows.end(),
                                   [](const ComparisonRow& r) { return r.entry == "ft"; });
    const ComparisonRow* baseline =
        base != table.rows.end() ? &*base : (table.rows.empty() ? nullptr : &table.rows.front());
    if (baseline) table.baseline = baseline->entry;
    for (auto& row : table.rows)
        row.extra_cost =
            baseline && &row != baseline && baseline->step_seconds.n > 0 && row.step_seconds.n > 0
                ? row.step_seconds.mean / baseline->step_seconds.mean - 1
                : std::nan("");
    return table;
}

std::vector<std::pair<std::string, std::vector<std::string>>> comparison_folders(
    const std::string& parent) {
    std::error_code ec;
    if (!fs::is_directory(parent, ec)) return {};
    std::vector<std::string> dirs;
    for (const auto& e : fs::directory_iterator(parent, ec))
        if (e.is_directory() && fs::exists(RunPaths(e.path().string()).config()))
            dirs.push_back(e.path().string());
    std::sort(dirs.begin(), dirs.end());
    static const std::regex seeded("(.*)-seed[0-9]+");
    std::vector<std::pair<std::string, std::vector<std::string>>> out;
    for (const auto& dir : dirs) {
        std::string name = fs::path(dir).filename().string();
        std::smatch m;
        if (std::regex_match(name, m, seeded)) name = m[1];
        if (out.empty() || out.back().first != name) out.push_back({name, {}});
        out.back().second.push_back(dir);
    }
    return out;
}

std::string comparison_folder_name(const std::string& entry, int seed) {
    std::string folder = entry;
    for (char& c : folder)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
    return folder + "-seed" + std::to_string(seed);
}

RunConfig comparison_run_config(const ComparisonPlan& plan, const std::string& entry, int seed) {
    RunConfig config = plan.base;
    std::vector<std::string> parts;
    std::stringstream ss(entry);
    for (std::string part; std::getline(ss, part, '@');)
        if (!part.empty()) parts.push_back(part);
    if (parts.empty()) throw ConfigError("an empty method entry in the comparison");
    apply_override(config, "method=" + parts.front());
    for (std::size_t i = 1; i < parts.size(); ++i) apply_override(config, parts[i]);
    config.seed = static_cast<std::uint64_t>(seed);
    config.run_dir = (fs::path(plan.out) / comparison_folder_name(entry, seed)).string();
    config.resume = false;
    config.overwrite = true;  // the comparison owns its output folder
    validate_or_throw(config);
    return config;
}

Comparison run_comparison(
    const ComparisonPlan& plan, EventSink& sink, RunControl& control,
    const std::function<void(const std::string&, int, const RunSummary&)>& on_run) {
    std::vector<RunConfig> configs;  // every override checked before the first run starts
    std::map<std::string, std::string> folder_entry;
    for (const auto& entry : plan.entries) {
        // Folder names keep letters, digits, '-' and '_': entries that differ only in other
        // characters (or repeat) would overwrite one another's runs.
        const std::string folder = comparison_folder_name(entry, 0);
        const auto [it, fresh] = folder_entry.emplace(folder, entry);
        if (!fresh)
            throw ConfigError("the comparison entries '" + it->second + "' and '" + entry +
                              "' would share the run folder " + folder +
                              " (folder names keep letters, digits, '-' and '_'); drop one or "
                              "tell them apart");
        for (int seed : plan.seeds) configs.push_back(comparison_run_config(plan, entry, seed));
    }
    std::vector<std::pair<std::string, std::vector<std::string>>> folders;
    std::size_t next = 0;
    for (const auto& entry : plan.entries) {
        folders.push_back({entry, {}});
        for (int seed : plan.seeds) {
            const RunConfig& config = configs[next++];
            const RunSummary s = run_training(config, sink, control);
            if (s.status != "completed")
                throw std::runtime_error(entry + " seed " + std::to_string(seed) + " " + s.status +
                                         ": " + s.message);
            if (on_run) on_run(entry, seed, s);
            folders.back().second.push_back(config.run_dir);
        }
    }
    Comparison table = compare_runs(folders);
    fs::create_directories(plan.out);
    write_file_atomically((fs::path(plan.out) / "compare.md").string(), comparison_markdown(table));
    return table;
}

std::string comparison_markdown(const Comparison& table) {
    std::ostringstream md;
    md << "| method | runs |";
    for (const auto& c : table.columns) md << " " << c << " |";
    md << " wall time (s) | s/step | extra cost per step |\n|---|---|";
    for (std::size_t i = 0; i < table.columns.size() + 3; ++i) md << "---|";
    md << "\n";
    for (const auto& row : table.rows) {
        md << "| " << row.entry << " | " << row.runs.size() << " |";
        for (const auto& c : table.columns) {
            const auto it = row.top1.find(c);
            md << " " << (it == row.top1.end() ? "–" : percent(it->second)) << " |";
        }
        char text[96];
        std::snprintf(text, sizeof text, " %.1f | %.3f |", row.wall_seconds.mean,
                      row.step_seconds.mean);
        md << text;
        if (std::isnan(row.extra_cost))
            md << (row.entry == table.baseline ? " baseline |" : " – |");
        else {
            std::snprintf(text, sizeof text, " %+.0f %% |", 100 * row.extra_cost);
            md << text;
        }
        md << "\n";
    }
    return md.str();
}

}  // namespace tpgm
