// SPDX-License-Identifier: GPL-3.0-or-later
// `tpgm-cli eval --run DIR --corruptions ...` on a QThread: scores a run folder's best checkpoint
// on its sets and the corruption matrix, writes its eval.json, reports progress, can be cancelled.
#pragma once

#include "engine/run_eval.h"

#include <QObject>
#include <QString>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <climits>
#include <memory>
#include <mutex>

namespace tpgm::ui {

class EvaluationJob : public QObject {
    Q_OBJECT
  public:
    explicit EvaluationJob(QObject* parent = nullptr);
    // Cancels a running evaluation and waits for its thread.
    ~EvaluationJob() override;

    // Starts evaluating run folder `dir`; false when an evaluation is already going.
    bool start(const QString& dir, const CorruptionRequest& request);
    // Asks the evaluation to end after the current set or cell; finished() follows.
    void cancel();
    bool running() const { return thread_ != nullptr; }
    QString dir() const { return dir_; }
    // Blocks until the thread has ended (tests, shutdown).
    bool wait(unsigned long ms = ULONG_MAX);

    // The engine's progress, shared with the worker thread.
    struct Progress {
        std::mutex mutex;
        std::string phase;
        int64_t done = 0, total = 0;
        std::atomic<bool> cancel{false};
        std::string error;  // set by the worker when the evaluation failed
    };

    // finished()'s error when cancel() ended the evaluation.
    static constexpr char kCancelled[] = "cancelled";

  signals:
    // The phase ("evaluating corruptions", "evaluating: OOD set 2 of 4 (sketch)", data loading)
    // and its fraction done, every 100 ms while the job runs.
    void progressed(const QString& phase, int done, int total);
    // On the UI thread when the thread has ended: `error` empty when eval.json was written,
    // kCancelled when cancel() ended it, else the reason it failed.
    void finished(const QString& dir, const QString& error);

  private:
    void poll();
    void onThreadFinished();

    QThread* thread_ = nullptr;
    QTimer timer_;
    QString dir_;
    std::shared_ptr<Progress> progress_;
};

}  // namespace tpgm::ui
