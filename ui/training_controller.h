// SPDX-License-Identifier: GPL-3.0-or-later
// Runs the engine's synchronous run_training() as a BackgroundJob and steers it (pause, resume,
// stop); the run's events reach the UI through a LiveBuffer that the window drains.
#pragma once

#include "config/run_config.h"
#include "engine/trainer.h"
#include "ui/jobs/background_job.h"
#include "ui/live_buffer.h"

#include <QObject>
#include <QString>

#include <memory>

namespace tpgm::ui {

// The window's one training run at a time: start, pause, resume, stop, its summary.
class TrainingController : public QObject {
    Q_OBJECT
  public:
    explicit TrainingController(QObject* parent = nullptr);

    // Starts `config` in the background; false (with the reason) when a run is already going.
    bool start(const RunConfig& config, QString* error = nullptr);
    void pause();
    void resume();
    // Asks the run to stop before its next step (the job's cancel()); returns at once.
    void stop();
    // Blocks until the run has ended and runFinished() was emitted (tests, shutdown); ms < 0
    // waits however long it takes.
    bool wait(int ms = -1);

    bool running() const { return job_->isRunning(); }
    bool paused() const;
    const RunConfig& config() const { return config_; }
    const RunSummary& lastSummary() const { return summary_; }
    // Where the training thread leaves its events; drain it from the UI thread.
    LiveBuffer& buffer() { return *buffer_; }
    // The job the run trains in (tests: its outcome mirrors the run's status).
    BackgroundJob* job() const { return job_; }

  signals:
    // Emitted on the UI thread once the run has ended (completed, stopped or failed).
    void runFinished(const QString& status, const QString& message);

  private:
    BackgroundJob* job_;
    std::shared_ptr<LiveBuffer> buffer_;
    RunConfig config_;
    RunSummary summary_;
};

}  // namespace tpgm::ui
