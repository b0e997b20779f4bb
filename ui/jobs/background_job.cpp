// SPDX-License-Identifier: GPL-3.0-or-later
// BackgroundJob (see background_job.h).
#include "ui/jobs/background_job.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QMetaObject>
#include <QThread>

#include <mutex>

namespace tpgm::ui {

namespace {
constexpr int kPollMs = 100;  // progress reaches the UI at most ten times a second
}

const QString BackgroundJob::kCancelled = QStringLiteral("cancelled");

// What the worker thread and the UI thread share: the stop request, the newest progress report
// and, once the work has ended, how (read after the thread finished).
struct JobState {
    RunControl control;
    std::mutex mutex;
    std::string phase;
    int64_t done = 0, total = 0;
    uint64_t version = 0;  // counts reports, so a poll emits only what is new
    BackgroundJob::Outcome outcome = BackgroundJob::Outcome::Failed;
    QString error;
};

JobContext::JobContext(std::shared_ptr<JobState> state, BackgroundJob* job)
    : state_(std::move(state)), job_(job) {}

RunControl& JobContext::control() {
    return state_->control;
}

bool JobContext::stopRequested() const {
    return state_->control.stop_requested();
}

void JobContext::checkStop() const {
    if (stopRequested()) throw StopRequested();
}

void JobContext::report(const std::string& phase, int64_t done, int64_t total) {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->phase = phase;
    state_->done = done;
    state_->total = total;
    ++state_->version;
}

ProgressFn JobContext::progressFn() {
    return [this](const std::string& phase, int64_t done, int64_t total) {
        report(phase, done, total);
        checkStop();
    };
}

void JobContext::post(std::function<void()> fn) {
    // Queued to the job's (UI) thread; end() delivers what is still queued before `done`.
    QMetaObject::invokeMethod(job_, std::move(fn), Qt::QueuedConnection);
}

BackgroundJob::BackgroundJob(const QString& name, QObject* parent) : QObject(parent), name_(name) {
    timer_.setInterval(kPollMs);
    connect(&timer_, &QTimer::timeout, this, &BackgroundJob::poll);
}

BackgroundJob::~BackgroundJob() {
    if (!thread_) return;
    // No thread may outlive its owner: stop the work and wait; nobody hears of its end.
    state_->control.request_stop();
    state_->control.resume();  // a paused run must wake up to see the stop
    thread_->disconnect(this);
    thread_->wait();
    delete thread_;
}

bool BackgroundJob::start(Work work, Done done) {
    if (thread_) return false;
    state_ = std::make_shared<JobState>();
    done_ = std::move(done);
    shownVersion_ = 0;
    auto state = state_;
    thread_ = QThread::create([this, state, work = std::move(work)] {
        JobContext context(state, this);
        Outcome outcome = Outcome::Succeeded;
        QString error;
        try {
            work(context);
        } catch (const StopRequested&) {
            outcome = Outcome::Cancelled;
        } catch (const std::exception& e) {
            outcome = state->control.stop_requested() ? Outcome::Cancelled : Outcome::Failed;
            error = QString::fromUtf8(e.what());
        } catch (...) {
            outcome = state->control.stop_requested() ? Outcome::Cancelled : Outcome::Failed;
            error = tr("unknown error");
        }
        std::lock_guard<std::mutex> lock(state->mutex);
        state->outcome = outcome;
        state->error = outcome == Outcome::Failed ? error : QString();
    });
    if (!name_.isEmpty()) thread_->setObjectName(name_);
    const uint64_t generation = ++generation_;
    connect(thread_, &QThread::finished, this, [this, generation] { end(generation); });
    thread_->start();
    timer_.start();
    emit started();
    return true;
}

void BackgroundJob::cancel() {
    if (!thread_) return;
    state_->control.request_stop();
    state_->control.resume();  // a paused run must wake up to see the stop
}

bool BackgroundJob::isCancelling() const {
    return thread_ && state_->control.stop_requested();
}

bool BackgroundJob::wait(int ms) {
    if (!thread_) return true;
    if (!thread_->wait(ms < 0 ? QDeadlineTimer(QDeadlineTimer::Forever) : QDeadlineTimer(ms)))
        return false;
    end(generation_);  // the thread's queued finished() then finds nothing to do
    return true;
}

RunControl* BackgroundJob::control() {
    return thread_ ? &state_->control : nullptr;
}

BackgroundJob::Progress BackgroundJob::progress() const {
    if (!state_) return {};
    std::lock_guard<std::mutex> lock(state_->mutex);
    return {QString::fromStdString(state_->phase), state_->done, state_->total};
}

QString BackgroundJob::errorText(Outcome outcome, const QString& error) {
    switch (outcome) {
        case Outcome::Succeeded:
            return {};
        case Outcome::Cancelled:
            return kCancelled;
        case Outcome::Failed:
            return error.isEmpty() ? tr("failed") : error;
    }
    return error;
}

void BackgroundJob::poll() {
    if (!state_) return;
    Progress p;
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        if (state_->version == shownVersion_) return;
        shownVersion_ = state_->version;
        p = {QString::fromStdString(state_->phase), state_->done, state_->total};
    }
    emit progressed(p.phase, p.done, p.total);
}

void BackgroundJob::end(uint64_t generation) {
    if (!thread_ || generation != generation_) return;  // already ended (wait() delivered it)
    thread_->wait();  // finished() is emitted just before the thread returns
    thread_->deleteLater();
    thread_ = nullptr;
    timer_.stop();
    // What the work posted comes first, also when wait() delivers the end before the event loop
    // got to it (the thread's own notice among them then finds nothing to do).
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
    poll();  // the last report, before the end
    Outcome outcome;
    QString error;
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        outcome = state_->outcome;
        error = state_->error;
    }
    // Taken out first: `done` may start the next job, which brings its own.
    const Done done = std::move(done_);
    done_ = nullptr;
    if (done) done(outcome, error);
    emit finished(outcome, error);
}

}  // namespace tpgm::ui
