// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/live_buffer.h"

#include <utility>

namespace tpgm::ui {

void LiveBuffer::on_started(const StartedEvent& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.started = e;
}

void LiveBuffer::on_step(const StepEvent& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.steps.push_back(e);
}

void LiveBuffer::on_eval(const EvalEvent& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.evals.push_back(e);
}

void LiveBuffer::on_radii(const RadiiSnapshot& r) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.radii.push_back(r);
}

void LiveBuffer::on_log(const LogEvent& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.logs.push_back(e);
}

void LiveBuffer::on_progress(const std::string& phase, int64_t done, int64_t total) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.has_progress = true;
    pending_.phase = phase;
    pending_.phase_done = done;
    pending_.phase_total = total;
}

void LiveBuffer::on_finished(const RunSummary& s) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.finished = s;
}

EventBatch LiveBuffer::take() {
    EventBatch out;
    std::lock_guard<std::mutex> lock(mutex_);
    std::swap(out, pending_);
    return out;
}

}  // namespace tpgm::ui
