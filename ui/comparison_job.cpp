// SPDX-License-Identifier: GPL-3.0-or-later
// ComparisonJob: run_comparison on a worker thread, its events kept for the UI to poll.
#include "ui/comparison_job.h"

#include "engine/trainer.h"

#include <algorithm>

namespace tpgm::ui {
namespace {

constexpr int kPollMs = 100;  // progress reaches the UI at most ten times a second

// Keeps the current run's newest step and phase; quick, as the engine asks of sinks.
class ProgressSink : public EventSink {
  public:
    explicit ProgressSink(ComparisonJob::Progress& p) : p_(p) {}
    void on_step(const StepEvent& e) override {
        std::lock_guard<std::mutex> lock(p_.mutex);
        p_.step = e.step;
        p_.steps = e.total_steps;
        p_.phase.clear();
    }
    void on_progress(const std::string& phase, int64_t, int64_t) override {
        std::lock_guard<std::mutex> lock(p_.mutex);
        p_.phase = phase;
    }

  private:
    ComparisonJob::Progress& p_;
};

}  // namespace

ComparisonJob::ComparisonJob(QObject* parent) : QObject(parent) {
    timer_.setInterval(kPollMs);
    connect(&timer_, &QTimer::timeout, this, &ComparisonJob::poll);
}

ComparisonJob::~ComparisonJob() {
    if (thread_) {
        control_->request_stop();
        thread_->wait();
        delete thread_;
    }
}

bool ComparisonJob::start(const ComparisonPlan& plan) {
    if (thread_ || plan.entries.empty() || plan.seeds.empty()) return false;
    plan_ = plan;
    reported_runs_ = 0;
    cancelled_ = false;
    progress_ = std::make_shared<Progress>();
    control_ = std::make_shared<RunControl>();
    auto progress = progress_;
    auto control = control_;
    thread_ = QThread::create([plan, progress, control] {
        ProgressSink sink(*progress);
        try {
            run_comparison(plan, sink, *control, [&](const std::string&, int, const RunSummary&) {
                std::lock_guard<std::mutex> lock(progress->mutex);
                ++progress->finished_runs;
                progress->step = progress->steps = 0;
                progress->phase.clear();
            });
        } catch (const std::exception& e) {
            std::lock_guard<std::mutex> lock(progress->mutex);
            progress->error = e.what();
        }
    });
    thread_->setObjectName("tpgm-comparison");
    connect(thread_, &QThread::finished, this, &ComparisonJob::onThreadFinished);
    thread_->start();
    timer_.start();
    poll();
    return true;
}

void ComparisonJob::cancel() {
    if (!thread_) return;
    cancelled_ = true;
    control_->request_stop();
}

bool ComparisonJob::wait(unsigned long ms) {
    return !thread_ || thread_->wait(ms);
}

void ComparisonJob::poll() {
    if (!progress_) return;
    int done;
    int64_t step, steps;
    std::string phase;
    {
        std::lock_guard<std::mutex> lock(progress_->mutex);
        done = progress_->finished_runs;
        step = progress_->step;
        steps = progress_->steps;
        phase = progress_->phase;
    }
    // Runs go entry by entry, seed by seed: the finished ones name the current one.
    const int seeds = static_cast<int>(plan_.seeds.size());
    const int total = static_cast<int>(plan_.entries.size()) * seeds;
    while (reported_runs_ < done) {
        const int k = reported_runs_++;
        emit runFinished(QString::fromStdString(plan_.entries[k / seeds]), plan_.seeds[k % seeds]);
    }
    if (done >= total) return;
    QString text = tr("%1 seed %2 (%3 of %4)…")
                       .arg(QString::fromStdString(plan_.entries[done / seeds]))
                       .arg(plan_.seeds[done % seeds])
                       .arg(done + 1)
                       .arg(total);
    if (!phase.empty())
        text += QStringLiteral(" ") + QString::fromStdString(phase);
    else if (steps > 0)
        text += tr(" step %1 of %2").arg(step).arg(steps);
    // Training is most of a run; its evaluations and sweeps take the rest.
    const double run = steps > 0 ? 0.9 * std::clamp(double(step) / steps, 0.0, 1.0) : 0.0;
    emit progressed(text, static_cast<int>(1000 * (done + run) / total));
}

void ComparisonJob::onThreadFinished() {
    if (!thread_) return;
    timer_.stop();
    poll();  // the runs that finished since the last poll
    thread_->deleteLater();
    thread_ = nullptr;
    QString error;
    {
        std::lock_guard<std::mutex> lock(progress_->mutex);
        error = QString::fromStdString(progress_->error);
    }
    if (cancelled_ && !error.isEmpty()) error = kCancelled;
    emit finished(error);
}

}  // namespace tpgm::ui
