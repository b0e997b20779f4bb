// SPDX-License-Identifier: GPL-3.0-or-later
// The synchronous fine-tuning run shared by the CLI and the GUI. It knows nothing of threads:
// the GUI calls it from a worker thread and steers it through RunControl.
#pragma once

#include "config/run_config.h"
#include "runs/events.h"

#include <atomic>
#include <stdexcept>
#include <string>

namespace tpgm {

// Stop and pause requests from any thread, honoured between two training steps.
class RunControl {
  public:
    // Async-signal-safe: a lock-free atomic store.
    void request_stop();
    void pause();
    void resume();
    bool stop_requested() const { return stop_.load(); }
    bool paused() const { return paused_.load(); }
    // Blocks while paused; returns at once when a stop is requested.
    void wait_while_paused();

  private:
    std::atomic<bool> stop_{false};
    std::atomic<bool> paused_{false};
};

// Thrown by the engine's long functions other than training (evaluate_run, run_comparison) when
// their RunControl asked them to stop: they end between two parts of their work and leave no
// half-written result. Training instead returns a summary with status "stopped".
struct StopRequested : std::runtime_error {
    explicit StopRequested(const std::string& what = "stopped on request")
        : std::runtime_error(what) {}
};

// Runs `config` to completion, a stop request, or a failure, writing the run folder and
// reporting to `sink`. Setup errors (invalid config, unreadable checkpoint or data) throw before
// the first step; once training runs, failures (NaN loss, a failed checkpoint write) end it with
// status "failed" and the last good checkpoint kept.
RunSummary run_training(const RunConfig& config, EventSink& sink, RunControl& control);

}  // namespace tpgm
