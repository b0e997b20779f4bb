// SPDX-License-Identifier: GPL-3.0-or-later
// The window's one way to run work off the UI thread. A BackgroundJob, owned by the widget that
// starts it, runs one work function at a time on a worker thread, polls its progress ten times a
// second, cancels it through a RunControl (as training is stopped: the work polls the request
// between its parts) and reports on the UI thread how it ended.
#pragma once

#include "data/progress.h"
#include "engine/trainer.h"
#include "runs/events.h"

#include <QObject>
#include <QString>
#include <QTimer>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

class QThread;

namespace tpgm::ui {

class BackgroundJob;
struct JobState;

// What a job's work function sees on the worker thread: its stop request and its progress.
class JobContext {
  public:
    JobContext(const JobContext&) = delete;  // its sink refers to it
    JobContext& operator=(const JobContext&) = delete;
    // The job's own RunControl: engine functions that run long take it (run_training,
    // evaluate_run, run_comparison); cancel() is its request_stop().
    RunControl& control();
    bool stopRequested() const;
    // Throws StopRequested once the job is cancelled: work that loops polls it between parts.
    void checkStop() const;
    // The newest progress; the UI shows the latest report at its next poll.
    void report(const std::string& phase, int64_t done = 0, int64_t total = 0);
    // For data and facade functions that take a progress callback: reports, then checkStop(), so
    // a cancelled load ends at its next report (as the trainer's set-up does).
    ProgressFn progressFn();
    // For engine functions that take a sink: on_progress reports, other events are dropped.
    EventSink& sink() { return sink_; }
    // Runs `fn` on the UI thread, in order and before the job's finished(): a part that is done
    // can be shown while the rest runs.
    void post(std::function<void()> fn);

  private:
    friend class BackgroundJob;
    // Forwards the engine's progress reports to the job's progress.
    class ReportingSink : public EventSink {
      public:
        explicit ReportingSink(JobContext& context) : context_(context) {}
        void on_progress(const std::string& phase, int64_t done, int64_t total) override {
            context_.report(phase, done, total);
        }

      private:
        JobContext& context_;
    };
    JobContext(std::shared_ptr<JobState> state, BackgroundJob* job);

    std::shared_ptr<JobState> state_;
    BackgroundJob* job_;  // alive while the work runs: its destructor waits for the thread
    ReportingSink sink_{*this};
};

// How a job ended and, for run(), what its work returned.
template <class T>
struct JobResult;

// One piece of background work at a time for the widget that owns it: start, progress, cancel,
// the outcome on the UI thread. Destroying it cancels a running job and waits for its thread.
class BackgroundJob : public QObject {
    Q_OBJECT
  public:
    // Succeeded: the work returned. Cancelled: it threw StopRequested, or anything after
    // cancel() (a stop may surface as another error). Failed: it threw otherwise.
    enum class Outcome { Succeeded, Cancelled, Failed };
    Q_ENUM(Outcome)
    using Work = std::function<void(JobContext&)>;
    using Done = std::function<void(Outcome outcome, const QString& error)>;

    // `name` names the worker thread (debuggers, profilers).
    explicit BackgroundJob(const QString& name, QObject* parent = nullptr);
    ~BackgroundJob() override;

    // Runs `work` on a new thread; `done` then runs on the UI thread, before finished(). False
    // (and nothing runs) while a job runs: one at a time per owner.
    bool start(Work work, Done done = {});
    // start() for work that returns a value: `done` gets a JobResult<T> that holds the value when
    // the job succeeded. The value travels from the worker thread to `done` and nowhere else.
    template <class F, class D>
    bool run(F work, D done);
    // Asks the running work to stop (RunControl::request_stop); returns at once, finished()
    // follows when the work has seen the request.
    void cancel();
    bool isRunning() const { return thread_ != nullptr; }
    // Whether cancel() was called on the running job.
    bool isCancelling() const;
    // Blocks until the work has ended (ms < 0: however long it takes), then delivers its end
    // (done and finished()) at once; false when it still runs after `ms`.
    bool wait(int ms = -1);
    // The running job's RunControl (pause and resume of training); nullptr when idle.
    RunControl* control();

    // The newest report of the running work.
    struct Progress {
        QString phase;
        qint64 done = 0, total = 0;
    };
    Progress progress() const;

    // What the widgets' string-typed signals carry: "" when it succeeded, kCancelled when
    // cancelled, else why it failed.
    static QString errorText(Outcome outcome, const QString& error);
    static const QString kCancelled;

  signals:
    // The work has just been handed to its thread (start() returned true).
    void started();
    // A new progress report, at most every 100 ms while the job runs (and once at its end).
    void progressed(const QString& phase, qint64 done, qint64 total);
    // On the UI thread once the work has ended; `error` is why it failed (what() of the
    // exception), empty otherwise.
    void finished(tpgm::ui::BackgroundJob::Outcome outcome, const QString& error);

  private:
    friend class JobContext;
    void poll();
    void end(uint64_t generation);

    QThread* thread_ = nullptr;
    std::shared_ptr<JobState> state_;  // shared with the worker thread
    Done done_;
    QTimer timer_;
    QString name_;
    uint64_t shownVersion_ = 0;
    uint64_t generation_ = 0;  // counts starts: a late end of an earlier thread is ignored
};

template <class T>
struct JobResult {
    BackgroundJob::Outcome outcome = BackgroundJob::Outcome::Failed;
    QString error;           // why it failed; empty otherwise
    std::optional<T> value;  // what the work returned, when it succeeded
    bool ok() const { return outcome == BackgroundJob::Outcome::Succeeded; }
    bool cancelled() const { return outcome == BackgroundJob::Outcome::Cancelled; }
};

template <class F, class D>
bool BackgroundJob::run(F work, D done) {
    using T = std::decay_t<std::invoke_result_t<F&, JobContext&>>;
    auto value = std::make_shared<std::optional<T>>();
    return start(
        [work = std::move(work), value](JobContext& c) mutable { value->emplace(work(c)); },
        [value, done = std::move(done)](Outcome outcome, const QString& error) mutable {
            done(JobResult<T>{outcome, error, std::move(*value)});
        });
}

}  // namespace tpgm::ui
