// SPDX-License-Identifier: GPL-3.0-or-later
// The hand-over between the training thread and the UI thread: the engine's EventSink copies
// every event into a mutex-protected batch; the UI drains it on a timer and never per event.
#pragma once

#include "runs/events.h"

#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tpgm::ui {

// Everything a run reported since the last drain.
struct EventBatch {
    std::vector<StepEvent> steps;
    std::vector<EvalEvent> evals;
    std::vector<RadiiSnapshot> radii;
    std::vector<LogEvent> logs;
    bool has_progress = false;
    std::string phase;
    int64_t phase_done = 0;
    int64_t phase_total = 0;
    std::optional<StartedEvent> started;
    std::optional<RunSummary> finished;

    bool empty() const {
        return steps.empty() && evals.empty() && radii.empty() && logs.empty() && !has_progress &&
               !started && !finished;
    }
};

// An EventSink whose callbacks only copy under a lock (safe and quick on the training thread).
class LiveBuffer : public EventSink {
  public:
    void on_started(const StartedEvent& e) override;
    void on_step(const StepEvent& e) override;
    void on_eval(const EvalEvent& e) override;
    void on_radii(const RadiiSnapshot& r) override;
    void on_log(const LogEvent& e) override;
    void on_progress(const std::string& phase, int64_t done, int64_t total) override;
    void on_finished(const RunSummary& s) override;
    // Takes what is pending, leaving the buffer empty.
    EventBatch take();

  private:
    std::mutex mutex_;
    EventBatch pending_;
};

}  // namespace tpgm::ui
