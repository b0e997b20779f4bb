// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/comparison.h"

#include "config/config_schema.h"
#include "engine/trainer.h"
#include "files/atomic_file.h"

#include <filesystem>
#include <sstream>

namespace fs = std::filesystem;

namespace tpgm {

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
            const std::string run = entry + " seed " + std::to_string(seed);
            if (control.stop_requested()) throw StopRequested("stopped before " + run);
            const RunSummary s = run_training(config, sink, control);
            if (s.status == RunStatus::Stopped) throw StopRequested(run + " stopped: " + s.message);
            if (s.status != RunStatus::Completed)
                throw std::runtime_error(run + " " + std::string(to_string(s.status)) + ": " +
                                         s.message);
            if (on_run) on_run(entry, seed, s);
            folders.back().second.push_back(config.run_dir);
        }
    }
    Comparison table = compare_runs(folders);
    fs::create_directories(plan.out);
    write_file_atomically((fs::path(plan.out) / "compare.md").string(), comparison_markdown(table));
    return table;
}

}  // namespace tpgm
