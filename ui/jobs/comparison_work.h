// SPDX-License-Identifier: GPL-3.0-or-later
// `tpgm-cli compare` as a BackgroundJob's work: run_comparison with the job's RunControl, its
// progress told as "tpgm seed 1 (5 of 12)… step 30 of 100" and the fraction of the whole
// comparison done.
#pragma once

#include "engine/comparison.h"
#include "ui/jobs/background_job.h"

#include <functional>

namespace tpgm::ui {

// Runs `plan` on the calling (worker) thread. Progress goes to job.report(text, permille, 1000);
// after each run that completed, `onRun` is posted to the UI thread (its folder now reads as a
// finished run). A cancel stops the current run at its next step (StopRequested).
Comparison compare_in_job(const ComparisonPlan& plan, JobContext& job,
                          const std::function<void()>& onRun);

}  // namespace tpgm::ui
