// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/run_files.h"

#include "files/atomic_file.h"
#include "runs/run_format.h"
#include "runs/run_paths.h"

#include <filesystem>

namespace tpgm {
namespace fs = std::filesystem;

std::optional<EvalReport> read_eval_json(const std::string& dir) {
    const std::string path = RunPaths(dir).eval();
    std::error_code ec;
    if (!fs::exists(path, ec)) return std::nullopt;
    return run_format::parse_eval_json(read_text_file(path));
}

void write_eval_json(const std::string& dir, const EvalReport& report) {
    write_file_atomically(RunPaths(dir).eval(), run_format::eval_json(report));
}

std::optional<PathSweep> read_path_sweep(const std::string& dir) {
    const std::string path = RunPaths(dir).wise();
    std::error_code ec;
    if (!fs::exists(path, ec)) return std::nullopt;
    return run_format::parse_path_sweep_json(read_text_file(path));
}

void write_path_sweep(const std::string& dir, const PathSweep& sweep) {
    write_file_atomically(RunPaths(dir).wise(), run_format::path_sweep_json(sweep));
}

}  // namespace tpgm
