// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/training_controller.h"

namespace tpgm::ui {

TrainingController::TrainingController(QObject* parent)
    : QObject(parent), buffer_(std::make_shared<LiveBuffer>()) {}

TrainingController::~TrainingController() {
    if (thread_) {
        control_->request_stop();
        thread_->wait();
        delete thread_;
    }
}

bool TrainingController::start(const RunConfig& config, QString* error) {
    if (thread_) {
        if (error) *error = tr("a run is already going");
        return false;
    }
    config_ = config;
    summary_ = RunSummary{};
    control_ = std::make_unique<RunControl>();
    buffer_->take();  // nothing of an earlier run leaks into this one
    auto buffer = buffer_;
    RunControl* control = control_.get();
    RunSummary* summary = &summary_;
    thread_ = QThread::create([config, buffer, control, summary] {
        try {
            *summary = run_training(config, *buffer, *control);
        } catch (const std::exception& e) {
            // Setup errors (unreadable checkpoint, data) throw before the first step.
            RunSummary s;
            s.status = RunStatus::Failed;
            s.message = e.what();
            s.run_dir = config.run_dir;
            *summary = s;
            buffer->on_log({"error", s.message});
            buffer->on_finished(s);
        }
    });
    thread_->setObjectName("tpgm-training");
    connect(thread_, &QThread::finished, this, &TrainingController::onThreadFinished);
    thread_->start();
    return true;
}

void TrainingController::pause() {
    if (control_) control_->pause();
}

void TrainingController::resume() {
    if (control_) control_->resume();
}

void TrainingController::stop() {
    if (control_) control_->request_stop();
}

bool TrainingController::wait(unsigned long ms) {
    return !thread_ || thread_->wait(ms);
}

void TrainingController::onThreadFinished() {
    if (!thread_) return;
    thread_->deleteLater();
    thread_ = nullptr;
    const std::string_view status = to_string(summary_.status);
    emit runFinished(QString::fromUtf8(status.data(), static_cast<int>(status.size())),
                     QString::fromStdString(summary_.message));
}

}  // namespace tpgm::ui
