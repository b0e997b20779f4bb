// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/training_controller.h"

#include <stdexcept>

namespace tpgm::ui {

TrainingController::TrainingController(QObject* parent)
    : QObject(parent),
      job_(new BackgroundJob(QStringLiteral("tpgm-training"), this)),
      buffer_(std::make_shared<LiveBuffer>()) {}

bool TrainingController::start(const RunConfig& config, QString* error) {
    if (job_->isRunning()) {
        if (error) *error = tr("a run is already going");
        return false;
    }
    auto buffer = buffer_;
    buffer->take();  // nothing of an earlier run leaks into this one
    auto summary = std::make_shared<RunSummary>();
    const bool started = job_->start(
        [config, buffer, summary](JobContext& job) {
            try {
                *summary = run_training(config, *buffer, job.control());
            } catch (const std::exception& e) {
                // Setup errors (unreadable checkpoint, data) throw before the first step.
                summary->status = RunStatus::Failed;
                summary->message = e.what();
                summary->run_dir = config.run_dir;
                buffer->on_log({"error", summary->message});
                buffer->on_finished(*summary);
            }
            // The job ends as the run did: a stopped run is a cancelled job, a failed one failed.
            if (summary->status == RunStatus::Stopped) throw StopRequested(summary->message);
            if (summary->status == RunStatus::Failed) throw std::runtime_error(summary->message);
        },
        [this, summary](BackgroundJob::Outcome, const QString&) {
            summary_ = *summary;
            const std::string_view status = to_string(summary_.status);
            emit runFinished(QString::fromUtf8(status.data(), static_cast<int>(status.size())),
                             QString::fromStdString(summary_.message));
        });
    if (!started) return false;
    config_ = config;
    summary_ = RunSummary{};
    return true;
}

void TrainingController::pause() {
    if (RunControl* control = job_->control()) control->pause();
}

void TrainingController::resume() {
    if (RunControl* control = job_->control()) control->resume();
}

void TrainingController::stop() {
    job_->cancel();
}

bool TrainingController::paused() const {
    const RunControl* control = job_->control();
    return control && control->paused();
}

bool TrainingController::wait(int ms) {
    return job_->wait(ms);
}

}  // namespace tpgm::ui
