// SPDX-License-Identifier: GPL-3.0-or-later
// tpgm-cli tb-export: writes a run folder's tb/ TensorBoard events from its metrics.jsonl,
// radii.csv and config.yaml (runs made before tb/ existed; runs write it live themselves).
#include "commands.h"

#include "runs/run_lock.h"
#include "runs/run_tensorboard.h"

#include <iostream>
#include <memory>

void register_tb_export_command(CLI::App& app) {
    auto run = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand(
        "tb-export", "Write a run folder's tb/ TensorBoard event file from its metrics and radii");
    cmd->add_option("run", *run, "run folder")->required()->check(CLI::ExistingDirectory);
    cmd->callback([run] {
        tpgm::RunLock lock(*run);  // not while the run is being written
        const auto tb = tpgm::rebuild_tensorboard(*run);
        std::cout << "wrote " << tb->path() << "\n";
    });
}
