// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/fork_marker.h"

#include "config/config_schema.h"
#include "files/atomic_file.h"
#include "runs/run_format.h"
#include "runs/run_paths.h"

#include <filesystem>

namespace tpgm {
namespace fs = std::filesystem;

std::string config_file_text(const RunPaths& paths, const RunConfig& config) {
    std::string comments;
    if (const auto fork = run_format::parse_fork_json(read_text_file(paths.fork()))) {
        comments =
            "# forked from " + fork->parent + " at step " + std::to_string(fork->step) + "\n";
        for (const auto& change : fork->changes) comments += "#   changed " + change + "\n";
    }
    return comments + to_yaml(config);
}

bool fork_resets_method_state(const RunPaths& paths) {
    const auto fork = run_format::parse_fork_json(read_text_file(paths.fork()));
    return fork && fork->fresh_method_state;
}

void mark_fork_method_state_reset(const RunPaths& paths) {
    auto fork = run_format::parse_fork_json(read_text_file(paths.fork()));
    if (!fork) return;
    fork->fresh_method_state = false;
    fork->method_state_started_anew = true;
    write_file_atomically(paths.fork(), run_format::fork_json(*fork));
}

}  // namespace tpgm
