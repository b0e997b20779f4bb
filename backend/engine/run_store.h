// SPDX-License-Identifier: GPL-3.0-or-later
// The run folder, the contract between the engine, the CLI and the GUI:
//   config.yaml  metrics.jsonl  radii.csv  summary.json  eval.json  wise.json
//   checkpoints/{last,final}.pt
// Every part of the project finds, writes and reads these files through this header (and
// engine/run_reader.h, which it includes). Torch-free: the UI includes it.
#pragma once

#include "config/run_config.h"
#include "engine/events.h"
#include "engine/run_reader.h"

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tpgm {

// The path of every file of one run folder; nothing else in the project spells these names.
struct RunPaths {
    explicit RunPaths(std::string run_dir) : dir(std::move(run_dir)) {}
    std::string dir;
    std::string config() const;       // config.yaml: the resolved run config
    std::string metrics() const;      // metrics.jsonl: one JSON object per step/eval/log event
    std::string radii() const;        // radii.csv: step,name,radius,distance per radius update
    std::string summary() const;      // summary.json: how the run ended
    std::string eval() const;         // eval.json: written by `tpgm-cli eval --run`
    std::string wise() const;         // wise.json: WiSE-FT's interpolation sweep
    std::string tb() const;           // tb/: TensorBoard event files (derived from the others)
    std::string checkpoints() const;  // checkpoints/
    std::string checkpoint(const std::string& name) const;                // checkpoints/<name>.pt
    std::string last_checkpoint() const { return checkpoint("last"); }    // resumable state
    std::string final_checkpoint() const { return checkpoint("final"); }  // written at completion
    std::string fork() const;  // fork.json: the parent run, step and changed keys of a fork
    // checkpoints/step-<N>.pt: a resumable state kept to fork the run from (keep_checkpoints).
    std::string step_checkpoint(int64_t step) const;
    // The steps that have a step-<N>.pt, ascending.
    std::vector<int64_t> step_checkpoints() const;
};

// config.yaml's text for `config`: the YAML, after comment lines naming the parent, step and
// changes when the folder is a fork (fork.json), so that they survive every rewrite.
std::string config_file_text(const RunPaths& paths, const RunConfig& config);

// Whether the folder is a fork whose method state starts anew (fork.json's fresh_method_state).
bool fork_resets_method_state(const RunPaths& paths);
// After the fork's first start: later resumes load the fork's own method state again.
void mark_fork_method_state_reset(const RunPaths& paths);

// The model a run folder stands for: final.pt when the run completed, else last.pt; nullopt
// when it holds neither (yet).
std::optional<std::string> find_best_checkpoint(const std::string& dir);
// As find_best_checkpoint, but throws std::runtime_error naming `dir` when there is none.
std::string best_checkpoint(const std::string& dir);

// The `method` of a run's config.yaml text; "" when the text does not parse.
std::string method_of_config(const std::string& yaml);
// Whether a run's config.yaml text is a segmentation run's (false when it does not parse).
bool segmentation_of_config(const std::string& yaml);
// The run folders directly under `parent` whose config.yaml names `method` (any method when
// empty), sorted by path; none when `parent` does not exist.
std::vector<std::string> find_runs(const std::string& parent, const std::string& method);
// Of find_runs(parent, method), the completed run (one with final.pt) whose final.pt is newest,
// among the segmentation runs or (the default) the classification runs.
std::optional<std::string> newest_finished_run(const std::string& parent, const std::string& method,
                                               bool segmentation = false);

// The corruption x severity matrix of `tpgm-cli eval --corruptions` (ImageNet-C definitions).
struct CorruptionReport {
    std::vector<int> severities;                      // column order
    std::map<std::string, std::vector<double>> top1;  // corruption -> top-1 per severity
    double mean = 0;                                  // over every cell
    double clean = 0;                                 // top-1 on the clean images
    std::string baseline;                             // baseline run; "" = no CE below
    std::map<std::string, double> ce, relative_ce;    // per corruption
    double mce = 0, relative_mce = 0;
};
// What eval.json holds: the checkpoint's accuracy per set, optionally the corruption matrix.
struct EvalReport {
    std::string checkpoint;
    std::map<std::string, double> top1, top5;  // set name -> accuracy in [0, 1]
    std::optional<CorruptionReport> corruptions;
    ClassIoU class_iou;  // segmentation runs
};
// `dir`'s eval.json; nullopt when it is absent or not a JSON object.
std::optional<EvalReport> read_eval_json(const std::string& dir);
// Replaces `dir`'s eval.json atomically (readers never see half a file).
void write_eval_json(const std::string& dir, const EvalReport& report);

// What wise.json holds: accuracy on every set along the interpolation
// theta(a) = (1 - a) theta_pre + a theta_ft, and where the run's final model sits.
struct PathSweep {
    std::vector<double> points;                       // a, ascending
    double final_point = 0;                           // a of final.pt
    std::map<std::string, std::vector<double>> top1;  // set name -> top-1 per point
};
// `dir`'s wise.json; nullopt when it is absent or unreadable.
std::optional<PathSweep> read_path_sweep(const std::string& dir);
void write_path_sweep(const std::string& dir, const PathSweep& sweep);

// True when `dir` holds (part of) a run: its config, metrics, summary or a checkpoint.
bool holds_run(const std::string& dir);

// The one writer of a run folder: an exclusive lock (flock on `dir`/.lock, which records the
// holder's PID) for the life of a run. Creates `dir`. Readers need no lock.
class RunLock {
  public:
    // Throws std::runtime_error naming the holder's PID when another process writes `dir`.
    explicit RunLock(const std::string& dir);
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

  private:
    int fd_ = -1;
};

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
