// SPDX-License-Identifier: GPL-3.0-or-later
// tpgm-cli finetune: one fine-tuning run with a progress bar, ending with the accuracy table.
#include "commands.h"
#include "config/data_sources.h"
#include "console.h"

#include "config/config_schema.h"
#include "engine/fork.h"
#include "engine/launcher.h"
#include "engine/trainer.h"

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <unistd.h>

namespace {

// Options shared by finetune and compare: a config file plus overrides.
struct RunOptions {
    std::string config, fork;
    std::vector<std::string> overrides;
    bool quiet = false;
    int processes = 1;
};

// Runs `config` as `processes` local data-parallel ranks (each reads the resolved config from a
// temporary file) and exits with rank 0's status, or the first other rank's failure.
void launch_ranks(const tpgm::RunConfig& config, const RunOptions& opts) {
    char path[] = "/tmp/tpgm-ranks-XXXXXX.yaml";
    const int fd = mkstemps(path, 5);
    if (fd < 0) throw std::runtime_error("cannot create a temporary config file in /tmp");
    close(fd);
    std::cerr << "starting " << opts.processes << " data-parallel processes on this machine\n";
    const auto exits = tpgm::run_config_on_local_ranks(config, opts.processes, path, opts.quiet);
    std::filesystem::remove(path);
    int status = 0;
    for (const auto& e : exits) {
        if (e.status == 0) continue;
        std::cerr << "rank " << e.rank << " exited with status " << e.status << "\n";
        if (status == 0 || e.rank == 0) status = e.status;
    }
    if (status != 0) throw CLI::RuntimeError(status);
}

}  // namespace

void register_finetune_command(CLI::App& app) {
    auto opts = std::make_shared<RunOptions>();
    auto* cmd =
        app.add_subcommand("finetune",
                           "Fine-tune a pre-trained model on the demo benchmark (TPGM by default); "
                           "writes a run folder.\n"
                           "Ctrl-C stops after the current step and keeps a resumable checkpoint.");
    cmd->add_option("-c,--config", opts->config,
                    "YAML run config; `tpgm-cli config` prints every key")
        ->check(CLI::ExistingFile);
    cmd->add_option("-s,--set", opts->overrides,
                    "override a config key: --set optim.lr=0.1 (repeatable)");
    cmd->add_option_function<std::string>(
        "--method", [opts](const std::string& v) { opts->overrides.push_back("method=" + v); },
        "ft | lp | tpgm | l2sp | spd | ftp | lpft | wise (same as --set method=...)");
    cmd->add_option_function<std::string>(
        "--run-dir", [opts](const std::string& v) { opts->overrides.push_back("run_dir=" + v); },
        "run folder to write (same as --set run_dir=...)");
    cmd->add_option_function<int>(
        "--epochs", [opts](int v) { opts->overrides.push_back("epochs=" + std::to_string(v)); },
        "passes over the ID training split");
    cmd->add_option_function<long>(
        "--seed", [opts](long v) { opts->overrides.push_back("seed=" + std::to_string(v)); },
        "run seed");
    cmd->add_flag_callback(
        "--resume", [opts] { opts->overrides.push_back("resume=true"); },
        "continue the run in the run folder from its last checkpoint");
    cmd->add_flag_callback(
        "--overwrite", [opts] { opts->overrides.push_back("overwrite=true"); },
        "replace an earlier run in the run folder (otherwise starting there is refused)");
    cmd->add_option("--fork", opts->fork,
                    "RUN[@STEP]: a new run continuing RUN from its checkpoint at STEP (default:\n"
                    "its last) with --set changes; --run-dir names it (default RUN-fork-STEP)")
        ->excludes("--config");
    cmd->add_flag("-q,--quiet", opts->quiet, "no progress bar");
    cmd->add_option("--nproc", opts->processes,
                    "data-parallel processes to start on this machine (each takes an equal\n"
                    "share of every batch; torchrun-style RANK/WORLD_SIZE/MASTER_ADDR/\n"
                    "MASTER_PORT in the environment place a process started by another launcher)")
        ->check(CLI::Range(1, 256));
    cmd->callback([opts] {
        tpgm::RunConfig config;
        if (opts->fork.empty()) {
            config = resolve_config(opts->config, opts->overrides);
        } else {
            tpgm::ForkRequest fork = tpgm::parse_fork_spec(opts->fork);
            fork.overrides = opts->overrides;
            config = tpgm::prepare_fork(fork);
            tpgm::validate_or_throw(config);
            std::cout << "fork of " << fork.parent << " in " << config.run_dir << "\n";
        }
        if (opts->processes > 1) return launch_ranks(config, *opts);
        if (const int code = train_in_foreground(config, opts->quiet))
            throw CLI::RuntimeError(code);
    });
}
