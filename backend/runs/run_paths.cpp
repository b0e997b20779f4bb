// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/run_paths.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace tpgm {
namespace fs = std::filesystem;

namespace {

std::string join(const std::string& dir, const char* name) {
    return (fs::path(dir) / name).string();
}

}  // namespace

std::string RunPaths::config() const {
    return join(dir, "config.yaml");
}
std::string RunPaths::metrics() const {
    return join(dir, "metrics.jsonl");
}
std::string RunPaths::radii() const {
    return join(dir, "radii.csv");
}
std::string RunPaths::tb() const {
    return join(dir, "tb");
}
std::string RunPaths::summary() const {
    return join(dir, "summary.json");
}
std::string RunPaths::eval() const {
    return join(dir, "eval.json");
}
std::string RunPaths::wise() const {
    return join(dir, "wise.json");
}
std::string RunPaths::checkpoints() const {
    return join(dir, "checkpoints");
}
std::string RunPaths::checkpoint(const std::string& name) const {
    return (fs::path(checkpoints()) / (name + ".pt")).string();
}

std::string RunPaths::fork() const {
    return join(dir, "fork.json");
}
std::string RunPaths::step_checkpoint(int64_t step) const {
    return checkpoint("step-" + std::to_string(step));
}
std::vector<int64_t> RunPaths::step_checkpoints() const {
    std::vector<int64_t> steps;
    std::error_code ec;
    for (auto it = fs::directory_iterator(checkpoints(), ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind("step-", 0) != 0 || it->path().extension() != ".pt") continue;
        const std::string digits = name.substr(5, name.size() - 8);
        if (!digits.empty() && digits.size() < 19 &&
            std::all_of(digits.begin(), digits.end(),
                        [](unsigned char c) { return std::isdigit(c); }))
            steps.push_back(std::stoll(digits));
    }
    std::sort(steps.begin(), steps.end());
    return steps;
}

}  // namespace tpgm
