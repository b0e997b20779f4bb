// SPDX-License-Identifier: GPL-3.0-or-later
// compare_in_job (see comparison_work.h).
#include "ui/jobs/comparison_work.h"

#include <QCoreApplication>

#include <algorithm>

namespace tpgm::ui {

namespace {

// Turns the current run's events into the comparison's progress line; quick, as the engine asks
// of sinks (one short string per step).
class ComparisonProgress : public EventSink {
  public:
    ComparisonProgress(const ComparisonPlan& plan, JobContext& job) : plan_(plan), job_(job) {}
    void on_step(const StepEvent& e) override {
        step_ = e.step;
        steps_ = e.total_steps;
        phase_.clear();
        report();
    }
    void on_progress(const std::string& phase, int64_t, int64_t) override {
        phase_ = phase;
        report();
    }
    // A run completed: the next one starts from nothing.
    void runDone() {
        ++done_;
        step_ = steps_ = 0;
        phase_.clear();
        report();
    }
    void report() {
        // Runs go entry by entry, seed by seed: the finished ones name the current one.
        const int seeds = static_cast<int>(plan_.seeds.size());
        const int total = static_cast<int>(plan_.entries.size()) * seeds;
        if (total == 0) return;
        if (done_ >= total) {
            job_.report(
                QCoreApplication::translate("CompareView", "writing compare.md").toStdString(),
                1000, 1000);
            return;
        }
        QString text = QCoreApplication::translate("CompareView", "%1 seed %2 (%3 of %4)…")
                           .arg(QString::fromStdString(plan_.entries[done_ / seeds]))
                           .arg(plan_.seeds[done_ % seeds])
                           .arg(done_ + 1)
                           .arg(total);
        if (!phase_.empty())
            text += QStringLiteral(" ") + QString::fromStdString(phase_);
        else if (steps_ > 0)
            text +=
                QCoreApplication::translate("CompareView", " step %1 of %2").arg(step_).arg(steps_);
        // Training is most of a run; its evaluations and sweeps take the rest.
        const double run = steps_ > 0 ? 0.9 * std::clamp(double(step_) / steps_, 0.0, 1.0) : 0.0;
        job_.report(text.toStdString(), static_cast<int64_t>(1000 * (done_ + run) / total), 1000);
    }

  private:
    const ComparisonPlan& plan_;
    JobContext& job_;
    int done_ = 0;                  // runs that completed so far
    int64_t step_ = 0, steps_ = 0;  // the current run's step and its total
    std::string phase_;             // the current run's latest phase (data, evaluation)
};

}  // namespace

Comparison compare_in_job(const ComparisonPlan& plan, JobContext& job,
                          const std::function<void()>& onRun) {
    ComparisonProgress progress(plan, job);
    progress.report();
    return run_comparison(plan, progress, job.control(),
                          [&](const std::string&, int, const RunSummary&) {
                              progress.runDone();
                              if (onRun) job.post(onRun);
                          });
}

}  // namespace tpgm::ui
