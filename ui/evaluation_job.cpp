// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/evaluation_job.h"

namespace tpgm::ui {
namespace {

constexpr int kPollMs = 100;  // progress reaches the UI at most ten times a second

// Thrown from the sink on the worker thread to end a cancelled evaluation at the next report.
struct Cancelled : std::exception {
    const char* what() const noexcept override { return EvaluationJob::kCancelled; }
};

// Keeps the newest progress report; throws Cancelled once the UI asked to cancel.
class ProgressSink : public EventSink {
  public:
    explicit ProgressSink(EvaluationJob::Progress& p) : p_(p) {}
    void on_progress(const std::string& phase, int64_t done, int64_t total) override {
        if (p_.cancel) throw Cancelled();
        std::lock_guard<std::mutex> lock(p_.mutex);
        p_.phase = phase;
        p_.done = done;
        p_.total = total;
    }

  private:
    EvaluationJob::Progress& p_;
};

}  // namespace

EvaluationJob::EvaluationJob(QObject* parent) : QObject(parent) {
    timer_.setInterval(kPollMs);
    connect(&timer_, &QTimer::timeout, this, &EvaluationJob::poll);
}

EvaluationJob::~EvaluationJob() {
    if (thread_) {
        progress_->cancel = true;
        thread_->wait();
        delete thread_;
    }
}

bool EvaluationJob::start(const QString& dir, const CorruptionRequest& request) {
    if (thread_) return false;
    dir_ = dir;
    progress_ = std::make_shared<Progress>();
    auto progress = progress_;
    const std::string folder = dir.toStdString();
    thread_ = QThread::create([folder, request, progress] {
        ProgressSink sink(*progress);
        try {
            evaluate_run(folder, request, sink);
        } catch (const std::exception& e) {
            std::lock_guard<std::mutex> lock(progress->mutex);
            progress->error = e.what();
        }
    });
    thread_->setObjectName("tpgm-evaluation");
    connect(thread_, &QThread::finished, this, &EvaluationJob::onThreadFinished);
    thread_->start();
    timer_.start();
    return true;
}

void EvaluationJob::cancel() {
    if (progress_) progress_->cancel = true;
}

bool EvaluationJob::wait(unsigned long ms) {
    return !thread_ || thread_->wait(ms);
}

void EvaluationJob::poll() {
    if (!progress_) return;
    std::lock_guard<std::mutex> lock(progress_->mutex);
    if (progress_->phase.empty()) return;
    emit progressed(QString::fromStdString(progress_->phase), static_cast<int>(progress_->done),
                    static_cast<int>(progress_->total));
}

void EvaluationJob::onThreadFinished() {
    if (!thread_) return;
    timer_.stop();
    thread_->deleteLater();
    thread_ = nullptr;
    QString error;
    {
        std::lock_guard<std::mutex> lock(progress_->mutex);
        error = QString::fromStdString(progress_->error);
    }
    emit finished(dir_, error);
}

}  // namespace tpgm::ui
