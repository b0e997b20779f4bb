// SPDX-License-Identifier: GPL-3.0-or-later
// Console output of the CLI, shared with the window's headless mode: a progress bar sink, result
// tables, and a run in the foreground.
#pragma once

#include "config/run_config.h"
#include "runs/events.h"

#include <chrono>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace tpgm {
class RunControl;
}

// Draws a progress bar (step, loss, images/s, ETA) on stderr; plain periodic lines when stderr
// is not a terminal.
class ConsoleSink : public tpgm::EventSink {
  public:
    explicit ConsoleSink(bool quiet = false);
    void on_started(const tpgm::StartedEvent& e) override;
    void on_step(const tpgm::StepEvent& e) override;
    void on_eval(const tpgm::EvalEvent& e) override;
    void on_log(const tpgm::LogEvent& e) override;
    void on_progress(const std::string& phase, int64_t done, int64_t total) override;
    void on_finished(const tpgm::RunSummary& s) override;
    // What trained the run ("" until it started).
    const std::string& device() const { return device_; }

  private:
    void draw(const std::string& line, bool final);
    bool tty_;
    bool quiet_;
    std::chrono::steady_clock::time_point last_draw_{};
    int last_decile_ = -1;
    bool bar_open_ = false;
    std::string device_;
};

// While alive, the first SIGINT, SIGTERM or SIGHUP asks `control` to stop (training after the
// current step with a checkpoint, an evaluation or comparison at its next set, cell or step) and
// a second exits at once. The engine's long commands share it; one at a time.
class StopOnSignals {
  public:
    explicit StopOnSignals(tpgm::RunControl& control);
    // The handlers must not reach `control` once it is gone, even on a throw.
    ~StopOnSignals();
    StopOnSignals(const StopOnSignals&) = delete;
    StopOnSignals& operator=(const StopOnSignals&) = delete;
    // 128 + the signal that asked to stop: 130 (SIGINT), 143 (SIGTERM) or 129 (SIGHUP).
    int exit_code() const;
};

// Trains `config` on this thread as a terminal user expects: progress on stderr; the first
// SIGINT, SIGTERM or SIGHUP stops after the current step with a checkpoint, a second exits at
// once; then the outcome and the accuracy table on stdout; set-up errors throw. Returns the exit
// status: 0 completed, 1 failed, 128 + the signal when stopped.
int train_in_foreground(const tpgm::RunConfig& config, bool quiet);

// Reads the config file (if any; with resume=true and no file, the run folder's own
// config.yaml), applies --set overrides, validates; exits with a clear
// message on error.
tpgm::RunConfig resolve_config(const std::string& config_path,
                               const std::vector<std::string>& overrides);

// "ID 84.1  sketch 60.2 ..." as an aligned table of top-1 (and top-5) accuracy in percent.
void print_accuracy_table(std::ostream& out, const std::map<std::string, double>& top1,
                          const std::map<std::string, double>& top5, bool segmentation = false);
// IoU in percent per class (rows) and set (columns: the ID test, then the OOD sets); "-" where
// a class is neither labelled nor predicted in a set.
void print_class_iou_table(std::ostream& out, const tpgm::ClassIoU& iou);
// Formats seconds as h:mm:ss or m:ss.
std::string format_duration(double seconds);
