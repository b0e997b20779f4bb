// SPDX-License-Identifier: GPL-3.0-or-later
// The writer of a run folder (runs/run_paths.h) as a run goes. Torch-free: the UI writes run
// folders through it too.
#pragma once

#include "config/run_config.h"
#include "runs/events.h"
#include "runs/run_paths.h"

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>

namespace tpgm {

// Writes one run folder as the run goes; every line is flushed so others can follow it live.
class RunTensorBoard;

class RunStore {
  public:
    // Creates `dir`. A fresh run (resume == false) removes an earlier run's files there first
    // (only the files a run writes; nothing else in the folder); a resumed one appends, after
    // ending a line that a killed run left half written.
    RunStore(std::string dir, bool resume);
    ~RunStore();
    const std::string& dir() const { return paths_.dir; }
    const RunPaths& paths() const { return paths_; }
    std::string checkpoint_path(const std::string& name) const { return paths_.checkpoint(name); }
    void write_config(const RunConfig& config);
    void append(const StepEvent& e);
    void append(const EvalEvent& e);
    void append(const RadiiSnapshot& r);
    void append(const LogEvent& e);
    void write_summary(const RunSummary& s);
    // For a run resumed from the checkpoint of `step`: rewrites metrics.jsonl and radii.csv
    // (atomically) without the step, eval and radii entries after `step`, so the steps the
    // resumed run repeats appear once. Log lines carry no step and are all kept: they are the
    // folder's history, including what this session logged before the call. Lines a crash left
    // half written are dropped, so the next append starts on a line of its own.
    void discard_after(int64_t step);

  private:
    void open_streams();
    // The tb/ writer, made on first use: a fresh event file for a fresh run; for a resumed one,
    // tb/ rebuilt from the (discarded) files first, so TensorBoard shows each step once.
    RunTensorBoard& tb();
    RunPaths paths_;
    std::ofstream metrics_;
    std::ofstream radii_;
    std::unique_ptr<RunTensorBoard> tb_;
    bool rebuild_tb_ = false;
};

}  // namespace tpgm
