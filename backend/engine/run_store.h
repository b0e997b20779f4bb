// The run folder, the contract between the engine, the CLI and the GUI:
//   config.yaml  metrics.jsonl  radii.csv  summary.json  checkpoints/{last,final}.pt
#pragma once

#include "config/run_config.h"
#include "engine/events.h"

#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace tpgm {

// Writes one run folder as the run goes; every line is flushed so others can follow it live.
class RunStore {
  public:
    // Creates `dir`. A fresh run (resume == false) removes an earlier run's files there first.
    RunStore(std::string dir, bool resume);
    const std::string& dir() const { return dir_; }
    std::string checkpoint_path(const std::string& name) const;
    void write_config(const RunConfig& config);
    void append(const StepEvent& e);
    void append(const EvalEvent& e);
    void append(const RadiiSnapshot& r);
    void append(const LogEvent& e);
    void write_summary(const RunSummary& s);

  private:
    std::string dir_;
    std::ofstream metrics_;
    std::ofstream radii_;
};

// A run folder read back; a partly written last line (a run still going) is ignored.
struct RunRecord {
    std::string dir;
    std::string config_yaml;
    std::vector<StepEvent> steps;
    std::vector<EvalEvent> evals;
    std::vector<RadiiSnapshot> radii;
    std::vector<LogEvent> logs;
    std::optional<RunSummary> summary;
};
// Throws std::runtime_error when `dir` holds no run (no metrics.jsonl).
RunRecord read_run(const std::string& dir);

}  // namespace tpgm
