// SPDX-License-Identifier: GPL-3.0-or-later
// What a run reports while it trains: plain, torch-free structs, safe to pass across threads.
#pragma once

#include "runs/run_status.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tpgm {

// What a run trains with, sent once when its set-up is done (before its first step). The
// window's device label and the CLI's last line read it; the thread count is only known on the
// training thread.
struct StartedEvent {
    std::string method;
    std::string device;    // what trains it, as people read it: "CPU, 8 threads" or "CUDA"
    std::string libtorch;  // the LibTorch version, e.g. "1.13.0"
    int64_t total_steps = 0;
    int processes = 1;  // data-parallel processes
};

// One optimiser step.
struct StepEvent {
    int64_t step = 0;  // 1-based optimiser step
    int64_t total_steps = 0;
    int64_t epoch = 0;  // 0-based epoch the step belongs to
    double loss = 0;
    double lr = 0;
    double images_per_sec = 0;  // smoothed training throughput
    double eta_seconds = 0;
    double data_wait_seconds = 0;  // time this step waited for its batch from the loader
    double wall_time = 0;          // seconds since the Unix epoch; 0: not known (older folders)
};

// Per-class IoU of a segmentation evaluation, in [0, 1]; empty for classification.
struct ClassIoU {
    std::vector<std::string> classes;                 // label order
    std::map<std::string, std::vector<double>> sets;  // set name -> IoU per class, NaN where a
                                                      // class is neither labelled nor predicted
    bool empty() const { return sets.empty(); }
};

// Accuracy of every evaluated set at one moment.
struct EvalEvent {
    int64_t step = 0;
    int64_t epoch = 0;
    std::map<std::string, double> top1;  // set name -> top-1 accuracy in [0, 1]
    std::map<std::string, double> top5;
    ClassIoU class_iou;    // segmentation runs: per class, every set (no aggregates)
    double wall_time = 0;  // seconds since the Unix epoch; 0: not known (older folders)
};

// Per-layer TPGM state after a radius update (or the distances for unconstrained methods).
struct RadiiSnapshot {
    int64_t step = 0;
    std::vector<std::string> names;  // constrained parameter names, in model order
    std::vector<double> radius;      // learned radius g
    std::vector<double>
        distance;  // actual distance from W0 in the method's norm (max over rows for MARS)
    // Share of the steps since the previous snapshot in which the method's rule acted on the
    // tensor (SPD: its decay fired); empty for methods without such a rule.
    std::vector<double> activity;
};

// Free text for the user (warnings, phase changes, load reports).
struct LogEvent {
    std::string level;  // info | warn | error
    std::string message;
};

// How a run ended.
struct RunSummary {
    RunStatus status = RunStatus::Failed;
    std::string message;
    int64_t steps = 0;
    double seconds = 0;
    std::map<std::string, double> final_top1;
    std::map<std::string, double> final_top5;
    ClassIoU final_class_iou;
    std::string run_dir;
    std::string device;    // what trained: "cpu" or "cuda" ("" in summaries written before)
    std::string libtorch;  // the LibTorch version it ran on, e.g. "1.13.0" ("" likewise)
    int processes = 1;     // data-parallel processes that trained it
    double communication_seconds = 0;  // of `seconds`, waiting in collectives (processes > 1)
    int rank = 0;  // this process's rank; only rank 0's summary is written to the run folder
};

// The on_progress phase of a run's evaluation starts with this, followed by the set being scored:
// "evaluating: OOD set 3 of 15 (sketch)"; done/total count the sets already scored.
inline constexpr char kEvaluationPhase[] = "evaluating: ";

// Receives a run's events on the thread that runs it; implementations must be quick.
class EventSink {
  public:
    virtual ~EventSink() = default;
    virtual void on_started(const StartedEvent&) {}
    virtual void on_step(const StepEvent&) {}
    virtual void on_eval(const EvalEvent&) {}
    virtual void on_radii(const RadiiSnapshot&) {}
    virtual void on_log(const LogEvent&) {}
    // Long preparation phases (building the demo benchmark, pre-training).
    virtual void on_progress(const std::string& phase, int64_t done, int64_t total) {}
    virtual void on_finished(const RunSummary&) {}
};

}  // namespace tpgm
