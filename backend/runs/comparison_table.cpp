// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/comparison_table.h"

#include "config/methods.h"
#include "runs/run_paths.h"
#include "runs/run_reader.h"
#include "runs/set_names.h"

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
            if (!run.summary || run.summary->status != RunStatus::Completed) continue;
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
    for (const char* first : kHeadlineSets)
        if (std::find(sets.begin(), sets.end(), first) != sets.end())
            table.columns.push_back(first);
    for (const auto& set : sets)
        if (std::find(table.columns.begin(), table.columns.end(), set) == table.columns.end())
            table.columns.push_back(set);
    const auto base =
        std::find_if(table.rows.begin(), table.rows.end(),
                     [](const ComparisonRow& r) { return r.entry == baseline_method().name; });
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

namespace {

// The method whose compare variant `entry` is, or nullptr.
const MethodInfo* variant_of(const std::string& entry) {
    const std::string folder = comparison_folder_name(entry, 0);
    for (const auto& m : methods())
        if (!m.compare_variant.empty() &&
            folder == comparison_folder_name(m.name + "@" + m.compare_variant, 0))
            return &m;
    return nullptr;
}

}  // namespace

bool is_compare_variant(const std::string& entry) {
    return variant_of(entry) != nullptr;
}

std::string comparison_entry_label(const std::string& entry) {
    const MethodInfo* m = variant_of(entry);
    return m ? m->name + " (" + m->variant_title + ")" : entry;
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
