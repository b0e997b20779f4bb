// SPDX-License-Identifier: GPL-3.0-or-later
// A run folder's tb/ TensorBoard view: which event goes under which tag, written live by RunStore
// and rebuilt from metrics.jsonl, radii.csv and config.yaml for older or resumed runs.
#pragma once

#include "runs/events.h"
#include "runs/tb_events.h"

#include <memory>
#include <string>

namespace tpgm {

// Tags: train/{loss,lr,images_per_sec}; eval/id/{top1,top5}, eval/ood/<set>/{top1,top5},
// eval/<aggregate>/{top1,top5} (ood_mean, corruption_mean...); radii/<layer> and
// distance/<layer> per radius update plus a histogram "radii" of all radii; the resolved config
// as text "config" at step 0.
class RunTensorBoard {
  public:
    // Starts a new event file in `tb_dir`.
    RunTensorBoard(const std::string& tb_dir, double wall_time);
    void config(const std::string& yaml, double wall_time);
    void step(const StepEvent& e);
    void eval(const EvalEvent& e);
    void radii(const RadiiSnapshot& r, double wall_time);
    const std::string& path() const { return writer_.path(); }

  private:
    TensorBoardWriter writer_;
};

// Seconds since the Unix epoch, now.
double wall_clock_seconds();

// Replaces the event files in <run_dir>/tb with one rebuilt from the run's files, and returns
// its writer, so that a resumed run appends to the history (tpgm-cli tb-export drops it).
std::unique_ptr<RunTensorBoard> rebuild_tensorboard(const std::string& run_dir);

}  // namespace tpgm
