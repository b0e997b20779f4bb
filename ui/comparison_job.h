// SPDX-License-Identifier: GPL-3.0-or-later
// `tpgm-cli compare` on a QThread: runs a ComparisonPlan (methods x seeds) in the background,
// reports which run trains and how far, says when each run has finished, can be cancelled.
#pragma once

#include "engine/comparison.h"

#include <QObject>
#include <QString>
#include <QThread>
#include <QTimer>

#include <climits>
#include <memory>
#include <mutex>

namespace tpgm::ui {

// One comparison at a time in the background; progress reaches the UI thread by signals.
class ComparisonJob : public QObject {
    Q_OBJECT
  public:
    explicit ComparisonJob(QObject* parent = nullptr);
    // Stops a running comparison and waits for its thread.
    ~ComparisonJob() override;

    // Starts `plan`; false when a comparison is already going or the plan has no run.
    bool start(const ComparisonPlan& plan);
    // Asks the current run to stop (RunControl::request_stop); finished(kCancelled) follows.
    void cancel();
    bool running() const { return thread_ != nullptr; }
    // Blocks until the thread has ended (tests, shutdown).
    bool wait(unsigned long ms = ULONG_MAX);

    // What the worker thread reports, read by the UI thread under the mutex.
    struct Progress {
        std::mutex mutex;
        int finished_runs = 0;        // runs that completed so far
        int64_t step = 0, steps = 0;  // the current run's step and its total
        std::string phase;            // the current run's latest phase (data, evaluation)
        std::string error;            // why the comparison ended early; "" when it completed
    };

    // finished()'s error when cancel() ended the comparison.
    static constexpr char kCancelled[] = "cancelled";

  signals:
    // About ten times a second: "tpgm seed 1 (5 of 12)…" with the current run's step or phase,
    // and the fraction of the whole comparison done, in thousandths.
    void progressed(const QString& text, int permille);
    // A run completed (its folder now reads as a finished run).
    void runFinished(const QString& entry, int seed);
    // On the UI thread once the thread has ended: `error` empty when compare.md was written,
    // kCancelled after cancel(), else why it failed.
    void finished(const QString& error);

  private:
    void poll();
    void onThreadFinished();

    QThread* thread_ = nullptr;
    QTimer timer_;
    ComparisonPlan plan_;
    int reported_runs_ = 0;
    bool cancelled_ = false;
    std::shared_ptr<Progress> progress_;
    std::shared_ptr<RunControl> control_;
};

}  // namespace tpgm::ui
