// SPDX-License-Identifier: GPL-3.0-or-later
// tpgm-cli bench data-parallel: step time of the same run at 1 and 2 local processes.
#include "commands.h"
#include "console.h"

#include "engine/data_parallel_bench.h"

#include <cstdio>

void register_bench_data_parallel(CLI::App& bench) {
    struct Options {
        std::string config;
        std::vector<std::string> overrides;
        std::vector<int> processes{1, 2};
        std::string work_dir = "runs/bench-data-parallel";
    };
    auto o = std::make_shared<Options>();
    auto* cmd = bench.add_subcommand(
        "data-parallel",
        "Median step time of one run at 1, 2, ... local data-parallel processes (Gloo), and\n"
        "the share of the run rank 0 spent waiting in collectives");
    cmd->add_option("-c,--config", o->config, "YAML run config (default: the demo's settings)")
        ->check(CLI::ExistingFile);
    cmd->add_option("-s,--set", o->overrides, "override a config key (repeatable)");
    cmd->add_option("--processes", o->processes, "process counts to time")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    cmd->add_option("--work-dir", o->work_dir, "where the timed runs are written")
        ->capture_default_str();
    cmd->callback([o] {
        const tpgm::RunConfig config = resolve_config(o->config, o->overrides);
        const auto timings = tpgm::run_data_parallel_benchmark(config, o->processes, o->work_dir);
        std::printf("%s, %s, global batch %d, threads %d per process; median step times\n",
                    config.method.c_str(), config.model.c_str(), config.batch_size, config.threads);
        for (const auto& t : timings)
            std::printf(
                "  %2d process%s  %8.4f s/step  (%6.0f images/s, %.2fx one process)  waiting in "
                "collectives: %4.1f%% of the run\n",
                t.processes, t.processes == 1 ? "  " : "es", t.step_seconds, t.images_per_second,
                timings.front().step_seconds / t.step_seconds,
                100 * t.communication_seconds / std::max(t.run_seconds, 1e-9));
    });
}
