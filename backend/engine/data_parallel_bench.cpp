// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/data_parallel_bench.h"

#include "engine/comparison.h"
#include "engine/launcher.h"
#include "runs/run_reader.h"

#include <filesystem>
#include <stdexcept>

namespace tpgm {

std::vector<DataParallelTiming> run_data_parallel_benchmark(const RunConfig& config,
                                                            const std::vector<int>& processes,
                                                            const std::string& work_dir) {
    std::vector<DataParallelTiming> out;
    for (int n : processes) {
        RunConfig c = config;
        c.run_dir = work_dir + "/processes-" + std::to_string(n);
        c.overwrite = true;
        c.resume = false;
        std::filesystem::create_directories(work_dir);
        const auto exits = run_config_on_local_ranks(c, n, c.run_dir + ".yaml", /*quiet=*/true,
                                                     /*discard_stdout=*/true);
        for (const auto& e : exits)
            if (e.status != 0)
                throw std::runtime_error("the run with " + std::to_string(n) +
                                         " process(es) failed (rank " + std::to_string(e.rank) +
                                         " exited with status " + std::to_string(e.status) +
                                         "); see " + c.run_dir);
        const RunRecord run = read_run(c.run_dir);
        DataParallelTiming t;
        t.processes = n;
        t.step_seconds = median_step_seconds(run.steps);
        t.images_per_second = c.batch_size / t.step_seconds;
        if (run.summary) {
            t.run_seconds = run.summary->seconds;
            t.communication_seconds = run.summary->communication_seconds;
        }
        out.push_back(t);
    }
    return out;
}

}  // namespace tpgm
