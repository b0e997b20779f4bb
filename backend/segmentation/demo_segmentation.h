// SPDX-License-Identifier: GPL-3.0-or-later
// The embedded segmentation demo (data: seg_demo) as a run's sets: scenes composed from the
// demo benchmark's Fashion-MNIST splits, its pre-trained backbone, and the test scenes under the
// corruption suite as OOD sets. Built in memory in seconds; the benchmark itself is cached.
#pragma once

#include "config/run_config.h"
#include "data/progress.h"
#include "data/run_sets.h"

namespace tpgm {

// Training scenes from the demo's ID training items, projection scenes from its held-out items,
// test scenes from its test items; OOD: the first seg.ood_scenes test scenes (at most all of
// them) under every seg.corruptions x seg.severities, named "<corruption>-<severity>".
RunSets seg_demo_run_sets(const RunConfig& config, const ProgressFn& progress = {},
                          const torch::Device& device = torch::kCPU);

}  // namespace tpgm
