// SPDX-License-Identifier: GPL-3.0-or-later
// Runs the engine's synchronous run_training() on a QThread and steers it (pause, resume, stop).
#pragma once

#include "config/run_config.h"
#include "engine/trainer.h"
#include "ui/live_buffer.h"

#include <QObject>
#include <QString>
#include <QThread>

#include <climits>
#include <memory>

namespace tpgm::ui {

class TrainingController : public QObject {
    Q_OBJECT
  public:
    explicit TrainingController(QObject* parent = nullptr);
    // Stops a running run and waits for its thread.
    ~TrainingController() override;

    // Starts `config` on a new thread; false (with the reason) when a run is already going.
    bool start(const RunConfig& config, QString* error = nullptr);
    void pause();
    void resume();
    // Asks the run to stop before its next step; returns at once.
    void stop();
    // Blocks until the thread has ended (tests, shutdown).
    bool wait(unsigned long ms = ULONG_MAX);

    bool running() const { return thread_ != nullptr; }
    bool paused() const { return control_ && control_->paused(); }
    const RunConfig& config() const { return config_; }
    const RunSummary& lastSummary() const { return summary_; }
    // Where the training thread leaves its events; drain it from the UI thread.
    LiveBuffer& buffer() { return *buffer_; }

  signals:
    // Emitted on the UI thread once the run's thread has ended (completed, stopped or failed).
    void runFinished(const QString& status, const QString& message);

  private:
    void onThreadFinished();

    QThread* thread_ = nullptr;
    std::unique_ptr<RunControl> control_;
    std::shared_ptr<LiveBuffer> buffer_;
    RunConfig config_;
    RunSummary summary_;
};

}  // namespace tpgm::ui
