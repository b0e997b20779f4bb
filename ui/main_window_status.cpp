// SPDX-License-Identifier: GPL-3.0-or-later
// MainWindow's status bar: step, epoch, speed and ETA labels, the evaluation phase, and the idle
// message that says what Start would do (or, with focusProblem, why it cannot).
#include "ui/main_window.h"

#include "config/config_schema.h"
#include "config/data_sources.h"
#include "runs/run_discovery.h"
#include "ui/run_phase.h"
#include "ui/setup_panel.h"
#include "ui/training_controller.h"

#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QLabel>
#include <QScrollArea>
#include <QStatusBar>

namespace tpgm::ui {

void MainWindow::updateStatus(const StepEvent& e) {
    stepLabel_->setText(tr("step %1/%2").arg(e.step).arg(e.total_steps));
    const int64_t epochs = live_ && !live_->record.config_yaml.empty()
                               ? parse_config_yaml(live_->record.config_yaml).epochs
                               : 0;
    epochLabel_->setText(epochs > 0 ? tr("epoch %1/%2").arg(e.epoch + 1).arg(epochs)
                                    : tr("epoch %1").arg(e.epoch + 1));
    speedLabel_->setText(tr("%1 img/s").arg(e.images_per_sec, 0, 'f', 0));
    if (live_ && live_->paused) return;
    // The engine's ETA counts training steps only; the evaluations still to come are added
    // (as long as the last one took), as they can take a good share of a run.
    const EvalPlan plan = live_ ? evalPlanOf(live_->record) : EvalPlan{};
    const int evals = plan.remainingAfter(e.step, e.total_steps);
    QString eta =
        tr("ETA %1").arg(formatDuration(e.eta_seconds + std::max(0.0, evalSeconds_) * evals));
    if (evals > 0 && evalSeconds_ < 0) eta += tr(" + evaluation");
    etaLabel_->setText(eta);
}

QString MainWindow::statusText() const {
    return statusBar()->currentMessage();
}

QString MainWindow::etaText() const {
    return etaLabel_->text();
}

void MainWindow::resetStatusLabels() {
    stepLabel_->setText(tr("step –"));
    epochLabel_->setText(tr("epoch –"));
    speedLabel_->setText(tr("– img/s"));
    etaLabel_->setText(tr("ETA –"));
    phase_.clear();
    evalSet_.clear();
    evalSetsDone_ = 0;
}

void MainWindow::showPhase() {
    if (!live_ || !isTraining()) return;
    const QString phase = evaluationPhase(live_->record, evalPlanOf(live_->record), evalSet_);
    if (phase == phase_) return;
    if (phase_.isEmpty()) {
        phaseClock_.start();
    } else if (phase.isEmpty() && phaseClock_.isValid()) {
        evalSeconds_ = phaseClock_.elapsed() / 1000.0;  // the evaluation just ended
    }
    phase_ = phase;
    if (!phase.isEmpty()) {
        statusBar()->showMessage(phase);
        if (live_->paused) return;  // the ETA keeps saying so
        // The last evaluation's length, else extrapolated from the sets scored so far.
        const double elapsed = phaseClock_.isValid() ? phaseClock_.elapsed() / 1000.0 : 0;
        if (evalSeconds_ >= 0)
            etaLabel_->setText(
                tr("ETA %1").arg(formatDuration(std::max(0.0, evalSeconds_ - elapsed))));
        else if (evalSetsDone_ > 0 && !evalSet_.isEmpty())
            etaLabel_->setText(
                tr("ETA %1").arg(formatDuration(elapsed * (1 - evalSetsDone_) / evalSetsDone_)));
        else
            etaLabel_->setText(tr("ETA – (evaluating)"));
    } else if (!live_->paused) {
        statusBar()->showMessage(tr("Training %1 → %2").arg(live_->method, live_->dir));
    }
}

bool MainWindow::focusProblem() {
    const auto issues = setup_->issues();
    if (issues.empty()) return false;
    QString key = QString::fromStdString(issues.front().key);
    if (key.startsWith("ood[")) key = "ood";
    QWidget* f = setup_->field(key);
    if (!f) return false;
    if (auto* dock = findChild<QDockWidget*>("setupDock")) {
        dock->show();
        dock->raise();
    }
    if (auto* area = setup_->findChild<QScrollArea*>()) area->ensureWidgetVisible(f, 20, 60);
    f->setFocus(Qt::OtherFocusReason);
    return true;
}

void MainWindow::showIdleMessage() {
    if (!isTraining() && !messageRun_) statusBar()->showMessage(idleMessage());
}

QString MainWindow::idleMessage() const {
    const RunConfig c = setup_->config();
    const QString data = find_data_source(c.data) ? QString::fromStdString(describe_data(c))
                                                  : QString::fromStdString(c.data);
    QString text = setup_->isValid() ? tr("Ready: press Start (Ctrl+R) to fine-tune %1 on %2.")
                                           .arg(QString::fromStdString(c.method), data)
                                     : tr("Fix the settings marked in red, then Start (Ctrl+R).");
    // After a restart the session is empty: say that earlier runs are there to open.
    if (runs_.empty()) {
        int earlier = 0;
        for (const QFileInfo& sub :
             QDir(setup_->runsRoot()).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot))
            earlier += holds_run(sub.filePath().toStdString()) ? 1 : 0;
        if (earlier > 0)
            text += " " + tr("%1 earlier run(s) in %2: File > Open Earlier Runs.")
                              .arg(earlier)
                              .arg(setup_->runsRoot());
    }
    return text;
}

}  // namespace tpgm::ui
