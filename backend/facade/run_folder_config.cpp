// SPDX-License-Identifier: GPL-3.0-or-later
#include "facade/run_folder_config.h"

#include "config/config_schema.h"
#include "engine/runtime.h"
#include "runs/run_paths.h"

#include <filesystem>
#include <stdexcept>

namespace tpgm::facade {

RunConfig run_folder_config(const std::string& run_dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(run_dir, ec)) throw std::runtime_error("no run folder '" + run_dir + "'");
    const std::string path = RunPaths(run_dir).config();
    if (!fs::exists(path, ec))
        throw std::runtime_error("'" + run_dir + "' holds no run (no config.yaml)");
    try {
        return load_config_file(path);
    } catch (const std::exception& e) {
        throw std::runtime_error("run '" + run_dir + "': " + error_message(e));
    }
}

}  // namespace tpgm::facade
