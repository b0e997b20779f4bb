// tpgm-cli eval: accuracy of a checkpoint (or a run's final model) on the ID and OOD sets.
#include "commands.h"
#include "console.h"

#include "checkpoints/atomic_file.h"
#include "config/config_schema.h"
#include "engine/evaluator.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

void register_eval_command(CLI::App& app) {
    struct Options {
        std::string run, checkpoint, config;
        std::vector<std::string> overrides;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = app.add_subcommand(
        "eval",
        "Evaluate a checkpoint on the ID test set and every OOD set; with --run, the run's final\n"
        "model, and the table is also written to <run>/eval.json");
    auto* run =
        cmd->add_option("-r,--run", o->run, "run folder (uses its config and checkpoints/final.pt)")
            ->check(CLI::ExistingDirectory);
    auto* ckpt = cmd->add_option("--checkpoint", o->checkpoint, "a TPGM Workbench checkpoint")
                     ->check(CLI::ExistingFile);
    run->excludes(ckpt);
    cmd->add_option("-c,--config", o->config,
                    "YAML run config for the data (default: the run's own)")
        ->check(CLI::ExistingFile);
    cmd->add_option("-s,--set", o->overrides, "override a config key (repeatable)");
    cmd->callback([o] {
        std::string config_path = o->config, checkpoint = o->checkpoint;
        if (!o->run.empty()) {
            if (config_path.empty()) config_path = (fs::path(o->run) / "config.yaml").string();
            checkpoint = (fs::path(o->run) / "checkpoints" / "final.pt").string();
            if (!fs::exists(checkpoint))
                checkpoint = (fs::path(o->run) / "checkpoints" / "last.pt").string();
        }
        if (checkpoint.empty()) throw CLI::ValidationError("eval", "give --run or --checkpoint");
        auto overrides = o->overrides;
        overrides.push_back("resume=false");
        const tpgm::RunConfig config = resolve_config(config_path, overrides);
        ConsoleSink sink;
        const tpgm::EvalEvent e = tpgm::evaluate_checkpoint(config, checkpoint, sink);
        std::cout << "checkpoint: " << checkpoint << "\n\n";
        print_accuracy_table(std::cout, e.top1, e.top5);
        if (!o->run.empty()) {
            const nlohmann::json j{{"checkpoint", checkpoint}, {"top1", e.top1}, {"top5", e.top5}};
            tpgm::write_file_atomically((fs::path(o->run) / "eval.json").string(),
                                        j.dump(2) + "\n");
        }
    });
}
