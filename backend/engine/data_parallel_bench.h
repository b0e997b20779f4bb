// SPDX-License-Identifier: GPL-3.0-or-later
// `tpgm-cli bench data-parallel`: the same short run at 1, 2, ... local processes, timed from
// the run folders they write. Torch-free; it starts this program (tpgm-cli) once per setting.
#pragma once

#include "config/run_config.h"

#include <string>
#include <vector>

namespace tpgm {

// One process count's run.
struct DataParallelTiming {
    int processes = 1;
    double step_seconds = 0;           // median training step (evaluations left out)
    double images_per_second = 0;      // global batch / step_seconds
    double run_seconds = 0;            // the whole run, final evaluation included
    double communication_seconds = 0;  // rank 0's time waiting in collectives
};

// Runs `config` (its run_dir replaced by folders under `work_dir`) at each process count in
// turn; throws std::runtime_error naming the setting whose run failed.
std::vector<DataParallelTiming> run_data_parallel_benchmark(const RunConfig& config,
                                                            const std::vector<int>& processes,
                                                            const std::string& work_dir);

}  // namespace tpgm
