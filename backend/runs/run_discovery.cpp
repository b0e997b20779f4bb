// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/run_discovery.h"

#include "config/config_schema.h"
#include "config/data_sources.h"
#include "files/atomic_file.h"
#include "runs/run_paths.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

namespace tpgm {
namespace fs = std::filesystem;

std::optional<std::string> find_best_checkpoint(const std::string& dir) {
    const RunPaths paths(dir);
    for (const std::string& path : {paths.final_checkpoint(), paths.last_checkpoint()}) {
        std::error_code ec;
        if (fs::exists(path, ec)) return path;
    }
    return std::nullopt;
}

std::string best_checkpoint(const std::string& dir) {
    if (auto path = find_best_checkpoint(dir)) return *path;
    throw std::runtime_error("run folder '" + dir +
                             "' has no checkpoint (neither checkpoints/final.pt nor "
                             "checkpoints/last.pt)");
}

std::string method_of_config(const std::string& yaml) {
    if (yaml.empty()) return {};
    try {
        return parse_config_yaml(yaml).method;
    } catch (const std::exception&) {
        return {};
    }
}

bool segmentation_of_config(const std::string& yaml) {
    if (yaml.empty()) return false;
    try {
        return is_segmentation_run(parse_config_yaml(yaml));
    } catch (const std::exception&) {
        return false;
    }
}

std::vector<std::string> find_runs(const std::string& parent, const std::string& method) {
    std::vector<std::string> runs;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(parent, ec)) {
        const RunPaths paths(entry.path().string());
        if (!entry.is_directory(ec) || !fs::exists(paths.config(), ec)) continue;
        const std::string m = method_of_config(read_text_file(paths.config()));
        if (!m.empty() && (method.empty() || m == method)) runs.push_back(paths.dir);
    }
    std::sort(runs.begin(), runs.end());
    return runs;
}

std::optional<std::string> newest_finished_run(const std::string& parent, const std::string& method,
                                               bool segmentation) {
    std::optional<std::string> best;
    fs::file_time_type best_time;
    for (const std::string& dir : find_runs(parent, method)) {
        if (segmentation_of_config(read_text_file(RunPaths(dir).config())) != segmentation)
            continue;
        std::error_code ec;
        const auto time = fs::last_write_time(RunPaths(dir).final_checkpoint(), ec);
        if (ec) continue;  // not completed
        if (!best || time > best_time) best = dir, best_time = time;
    }
    return best;
}

bool holds_run(const std::string& dir) {
    const RunPaths p(dir);
    std::error_code ec;
    for (const std::string& f :
         {p.config(), p.metrics(), p.summary(), p.last_checkpoint(), p.final_checkpoint()})
        if (fs::exists(f, ec)) return true;
    return false;
}

}  // namespace tpgm
