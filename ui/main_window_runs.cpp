// SPDX-License-Identifier: GPL-3.0-or-later
// MainWindow: starting, steering and following runs, and the coalesced replot.
#include "ui/main_window.h"

#include "config/config_schema.h"
#include "config/data_sources.h"
#include "facade/runtime_facade.h"
#include "runs/run_discovery.h"
#include "runs/run_paths.h"
#include "runs/set_names.h"
#include "ui/accuracy_plot.h"
#include "ui/compare_view.h"
#include "ui/corruption_heatmap.h"
#include "ui/loss_plot.h"
#include "ui/plot_style.h"
#include "ui/radii_curves_plot.h"
#include "ui/radii_depth_plot.h"
#include "ui/radii_heatmap.h"
#include "ui/recent_runs.h"
#include "ui/results_table.h"
#include "ui/robustness_panel.h"
#include "ui/run_naming.h"
#include "ui/run_phase.h"
#include "ui/segmentation_panel.h"
#include "ui/setup_panel.h"
#include "ui/training_controller.h"

#include <qcustomplot.h>

#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QRegularExpression>
#include <QScrollArea>
#include <QShortcut>
#include <QStatusBar>
#include <QTime>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tpgm::ui {

namespace {
// Whether `dir` can be extended: it holds the resumable checkpoint.
bool hasLastCheckpoint(const QString& dir) {
    return QFileInfo::exists(QString::fromStdString(RunPaths(dir.toStdString()).last_checkpoint()));
}
}  // namespace

void MainWindow::setConfig(const RunConfig& config) {
    setup_->setConfig(config);
    robustness_->setDemoConfig(config.demo);
    segmentation_->setDemoConfig(config.demo);
    robustness_->setRunsRoot(setup_->runsRoot());
    segmentation_->setRunsRoot(setup_->runsRoot());
}

bool MainWindow::isTraining() const {
    return controller_->running();
}

RunPtr MainWindow::addRun(RunSeries series) {
    // Folders of the same name elsewhere (runs/tpgm, /tmp/tpgm) get "tpgm (2)" in the table and
    // legends, so runs can be told apart.
    QStringList taken;
    for (const auto& r : runs_) taken << r->name;
    series.name = uniqueDisplayName(series.name, taken);
    series.color = runColor(static_cast<int>(runs_.size()));
    auto run = std::make_shared<RunSeries>(std::move(series));
    runs_.push_back(run);
    dirty_ = true;
    return run;
}

RunPtr MainWindow::primaryRun() const {
    if (RunPtr r = results_->currentRun()) return r;
    if (live_) return live_;
    return runs_.empty() ? nullptr : runs_.back();
}

bool MainWindow::startRun() {
    if (isTraining()) {
        statusBar()->showMessage(tr("A run is already training; stop it first."), 5000);
        return false;
    }
    if (compare_->comparing()) {
        statusBar()->showMessage(
            tr("A comparison is training (Compare tab); cancel it or wait for it first."), 5000);
        return false;
    }
    const auto issues = setup_->issues();
    if (!issues.empty()) {
        const QString key = QString::fromStdString(issues.front().key);
        focusProblem();
        statusBar()->showMessage(
            tr("Cannot start: %1: %2").arg(key, QString::fromStdString(issues.front().message)));
        return false;
    }
    RunConfig config = setup_->config();
    if (!config.resume && !config.overwrite && holds_run(config.run_dir)) {
        // Never write into an earlier run: the next free "<name>-2", "<name>-3", ...
        const std::string taken = config.run_dir;
        for (int k = 2; holds_run(config.run_dir); ++k)
            config.run_dir = taken + "-" + std::to_string(k);
        appendLog("info",
                  tr("%1 holds an earlier run; this one goes to %2")
                      .arg(QString::fromStdString(taken), QString::fromStdString(config.run_dir)));
    }
    QString error;
    if (!controller_->start(config, &error)) {
        statusBar()->showMessage(tr("Cannot start: %1").arg(error), 8000);
        return false;
    }
    showLiveRun(config);
    if (config.eval_every_epochs <= 0 || config.eval_every_epochs > config.epochs)
        appendLog("warn", tr("accuracy is evaluated only at the end of this run (every %1 "
                             "epochs, %2 epochs in all): the accuracy plot fills then")
                              .arg(config.eval_every_epochs)
                              .arg(config.epochs));
    deviceLabel_->setText(QString::fromStdString(facade::describe_device(config.device)));
    robustness_->setDemoConfig(config.demo);
    robustness_->setRunsRoot(setup_->runsRoot());
    segmentation_->setRunsRoot(setup_->runsRoot());
    appendLog("info", tr("started %1 in %2").arg(live_->method, live_->dir));
    statusBar()->showMessage(tr("Training %1 → %2").arg(live_->method, live_->dir));
    updateActions();
    return true;
}

bool MainWindow::startForkedRun(const RunConfig& config, const QString& parentName) {
    QString error;
    if (isTraining() || !controller_->start(config, &error)) {
        statusBar()->showMessage(
            tr("Cannot start the fork: %1").arg(error.isEmpty() ? tr("a run is training") : error),
            8000);
        return false;
    }
    showLiveRun(config);
    appendLog("info", tr("forked %1 into %2").arg(parentName, live_->dir));
    statusBar()->showMessage(tr("Training the fork of %1 → %2").arg(parentName, live_->dir));
    updateActions();
    return true;
}

void MainWindow::showLiveRun(const RunConfig& config) {
    // One folder is one row: a row left by a run that wrote nothing there (failed at setup) goes.
    const QString dir = canonicalRunDir(QString::fromStdString(config.run_dir));
    runs_.erase(std::remove_if(runs_.begin(), runs_.end(),
                               [&](const RunPtr& r) { return canonicalRunDir(r->dir) == dir; }),
                runs_.end());
    RunSeries series;
    series.dir = QString::fromStdString(config.run_dir);
    series.name = QFileInfo(series.dir).fileName();
    series.method = QString::fromStdString(config.method);
    series.segmentation = is_segmentation_run(config);
    series.live = true;
    series.record.dir = config.run_dir;
    series.record.config_yaml = to_yaml(config);
    live_ = addRun(std::move(series));
    rememberRun(live_->dir);
    messageRun_.reset();
    resetStatusLabels();  // nothing of the previous run's figures stays
    results_->setRuns(runs_);
    results_->selectRun(live_);
}

void MainWindow::pauseRun() {
    if (!isTraining()) return;
    controller_->pause();
    if (live_) live_->paused = true;
    etaLabel_->setText(tr("ETA – (paused)"));
    statusBar()->showMessage(tr("Paused after the current step; Resume (Ctrl+Shift+P) continues."));
    dirty_ = true;
    updateActions();
}

void MainWindow::resumeRun() {
    controller_->resume();
    if (live_) live_->paused = false;
    if (live_) statusBar()->showMessage(tr("Training %1 → %2").arg(live_->method, live_->dir));
    dirty_ = true;
    updateActions();
}

void MainWindow::stopRun() {
    if (!isTraining()) return;
    controller_->resume();  // a paused run must wake up to see the stop
    if (live_) live_->paused = false;
    controller_->stop();
    statusBar()->showMessage(tr("Stopping after the current step…"));
}

bool MainWindow::extendRun(int epochs) {
    RunPtr run = primaryRun();
    if (isTraining() || !run || run->record.config_yaml.empty()) return false;
    RunConfig config;
    try {
        config = parse_config_yaml(run->record.config_yaml);
    } catch (const std::exception& e) {
        statusBar()->showMessage(tr("Cannot extend: %1").arg(e.what()), 8000);
        return false;
    }
    if (!hasLastCheckpoint(run->dir)) {
        statusBar()->showMessage(tr("Cannot extend: %1 has no checkpoints/last.pt").arg(run->dir),
                                 8000);
        return false;
    }
    config.epochs += epochs;
    config.resume = true;
    config.run_dir = run->dir.toStdString();
    if (!controller_->start(config)) return false;
    run->live = true;
    run->follow = false;
    run->record.summary.reset();
    run->record.config_yaml = to_yaml(config);
    live_ = run;
    messageRun_.reset();
    resetStatusLabels();
    appendLog(
        "info",
        tr("extending %1 by %2 epochs (to %3)").arg(run->name).arg(epochs).arg(config.epochs));
    statusBar()->showMessage(tr("Extending %1 to %2 epochs").arg(run->name).arg(config.epochs));
    updateActions();
    return true;
}

RunPtr MainWindow::openRun(const QString& dir, QString* error) {
    const QString clean = QDir::cleanPath(dir);
    for (const auto& r : runs_)
        if (canonicalRunDir(r->dir) == canonicalRunDir(clean)) {
            results_->selectRun(r);  // already in the session: one folder is one row
            return r;
        }
    RunSeries series;
    series.follower.emplace(clean.toStdString());
    series.record.dir = clean.toStdString();
    try {
        series.record.apply(series.follower->poll());
    } catch (const std::exception& e) {
        if (error) *error = QString::fromUtf8(e.what());
        statusBar()->showMessage(tr("Cannot open %1: %2").arg(dir, e.what()), 8000);
        return nullptr;
    }
    series.dir = clean;
    series.name = QFileInfo(clean).fileName();
    series.method = QString::fromStdString(method_of_config(series.record.config_yaml));
    series.segmentation = segmentation_of_config(series.record.config_yaml);
    series.follow = !series.record.summary.has_value();
    RunPtr run = addRun(std::move(series));
    results_->setRuns(runs_);
    results_->selectRun(run);
    rememberRun(clean);
    appendLog("info",
              tr("opened %1%2").arg(clean, run->follow ? tr(" (following it live)") : QString()));
    showIdleMessage();  // no longer "earlier runs to open"
    replot();
    return run;
}

void MainWindow::openRunDialog() {
    const QString dir =
        QFileDialog::getExistingDirectory(this, tr("Open run folder"), setup_->runsRoot());
    if (dir.isEmpty()) return;
    if (holds_run(dir.toStdString())) {
        openRun(dir);
        return;
    }
    // A folder of runs (the runs folder itself): open every run inside it.
    const int opened = openRunsIn(dir);
    if (opened > 0)
        statusBar()->showMessage(tr("Opened %1 runs from %2").arg(opened).arg(dir), 8000);
    else
        openRun(dir);  // says why it is not a run folder
}

int MainWindow::openRunsIn(const QString& dir) {
    int opened = 0;
    for (const QFileInfo& sub :
         QDir(dir).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Time | QDir::Reversed))
        if (holds_run(sub.filePath().toStdString()) && openRun(sub.filePath())) ++opened;
    return opened;
}

void MainWindow::followRuns() {
    for (const auto& run : runs_) {
        if (!run->follow || run->live || !run->follower) continue;
        try {
            const RunUpdate update = run->follower->poll();  // only the lines written since
            if (update.empty()) continue;
            run->record.apply(update);
            run->follow = !run->record.summary.has_value();
            dirty_ = true;
        } catch (const std::exception&) {
            // Briefly missing (a run restarting in the folder): try again on the next tick.
        }
    }
}

void MainWindow::refreshNow() {
    onTick();
}

void MainWindow::onTick() {
    EventBatch batch = controller_->buffer().take();
    if (!batch.empty()) {
        if (live_) live_->append(batch);
        for (const auto& l : batch.logs)
            appendLog(QString::fromStdString(l.level), QString::fromStdString(l.message));
        if (batch.started) deviceLabel_->setText(QString::fromStdString(batch.started->device));
        if (batch.has_progress) {
            const bool done = batch.phase_done >= batch.phase_total;
            QString phase = QString::fromStdString(batch.phase);
            const bool evaluating = phase.startsWith(kEvaluationPhase);
            if (evaluating) {
                phase.remove(0, static_cast<int>(std::strlen(kEvaluationPhase)));
                evalSet_ = done ? QString() : phase;
                evalSetsDone_ = static_cast<double>(batch.phase_done) /
                                static_cast<double>(std::max<int64_t>(1, batch.phase_total));
            }
            progress_->setVisible(!done);
            progress_->setRange(0, static_cast<int>(std::max<int64_t>(1, batch.phase_total)));
            progress_->setValue(static_cast<int>(batch.phase_done));
            // The status text names the set being scored; the bar counts sets.
            progress_->setFormat(evaluating ? tr("%v/%m sets") : phase + " %p%");
        }
        if (!batch.steps.empty()) {
            progress_->hide();
            updateStatus(batch.steps.back());
        }
        showPhase();
        dirty_ = true;
    }
    if (dirty_) replot();
}

void MainWindow::replot() {
    dirty_ = false;
    ++replots_;
    results_->setRuns(runs_);
    // Only what is on screen is redrawn; switching tabs redraws the newly shown plots.
    RunPtr primary = primaryRun();
    const QString name = primary ? primary->name : QString();
    const auto* radii = primary ? &primary->record.radii : nullptr;
    if (rows_->isVisible() || !isVisible()) {
        loss_->setRuns(runs_);
        accuracy_->setRuns(runs_);
        depth_->setSnapshot(primary ? primary->lastRadii() : nullptr, name,
                            primary ? primary->method : QString());
        heatmap_->setSnapshots(radii, name);
    }
    if (curves_->isVisible() || !isVisible()) curves_->setSnapshots(radii, name);
    if (corruption_->isVisible() || !isVisible()) {
        corruption_->setRuns(runs_);
        corruption_->setSelectedRun(primary, primary && primary == live_ && isTraining());
    }
    if (segmentation_->isVisible()) segmentation_->setRuns(runs_);
}

void MainWindow::onRunFinished(const QString& status, const QString& message) {
    onTick();  // the last events before the thread ended
    const RunStatus end = controller_->lastSummary().status;
    RunPtr run = live_;
    if (run) {
        run->live = false;
        run->paused = false;
        if (!run->record.summary) {
            RunSummary s = controller_->lastSummary();
            run->record.summary = s;
        }
    }
    dirty_ = true;
    replot();
    const QString name = run ? run->name : QString();
    phase_.clear();
    QString text;
    if (end == RunStatus::Completed) {
        // The figures a person looks for first, kept in the status bar and the log.
        QStringList figures;
        const auto top1 = run ? run->finalTop1() : std::map<std::string, double>{};
        for (const auto& [key, label] :
             {std::pair<const char*, QString>{kIdSet, tr("ID")}, {kOodMean, tr("OOD mean")}})
            if (auto it = top1.find(key); it != top1.end())
                figures << tr("%1 %2%").arg(label).arg(100 * it->second, 0, 'f', 1);
        const double seconds = controller_->lastSummary().seconds;
        text = tr("%1 completed in %2%3")
                   .arg(name, formatDuration(seconds),
                        figures.isEmpty() ? QString() : ": " + figures.join(", "));
        etaLabel_->setText(tr("done"));
        robustness_->chooseLatestRuns();
    } else {
        QString why = message;
        // The engine speaks to CLI users; here the way on is the window's Extend.
        why.replace(QRegularExpression("; resume with resume=true$"),
                    tr("; Extend (Ctrl+E) continues it"));
        text = tr("%1 %2%3").arg(name, status, why.isEmpty() ? QString() : ": " + why);
        etaLabel_->setText(tr("ETA –"));
    }
    statusBar()->showMessage(text);  // stays until the next run or another run is selected
    appendLog(end == RunStatus::Failed ? "error" : "info", text);
    messageRun_ = run;
    updateActions();
    emit runFinished(status);
}

void MainWindow::updateActions() {
    const bool training = isTraining();
    const bool paused = training && controller_->paused();
    const auto issues = setup_->issues();
    const bool comparing = compare_ && compare_->comparing();
    start_->setEnabled(!training && !comparing && issues.empty());
    start_->setToolTip(comparing ? tr("A comparison is training (Compare tab); wait for it or "
                                      "cancel it there")
                                 : tr("Start a new run with these settings (Ctrl+R)"));
    startWhy_->setEnabled(!training && !issues.empty());
    // A widget in a tool bar is shown and hidden through its action.
    startProblemAction_->setVisible(!training && !issues.empty());
    if (!training && !issues.empty()) {
        // "1 problem: epochs" next to the disabled Start; the link goes to the field.
        const QString key = QString::fromStdString(issues.front().key);
        const int n = static_cast<int>(issues.size());
        startProblem_->setText(
            QStringLiteral("<a href=\"#\" style=\"color: #e0443e;\">%1</a>")
                .arg((n == 1 ? tr("1 problem: %1") : tr("%1 problems, first: %2").arg(n))
                         .arg(key.toHtmlEscaped())));
        startProblem_->setToolTip(QString::fromStdString(issues.front().message));
    }
    pause_->setEnabled(training && !paused);
    resume_->setEnabled(paused);
    stop_->setEnabled(training);
    RunPtr run = primaryRun();
    extend_->setEnabled(!training && run && hasLastCheckpoint(run->dir));
    setup_->setEditable(!training);
}

void MainWindow::appendLog(const QString& level, const QString& message) {
    const QString stamp = QTime::currentTime().toString("HH:mm:ss");
    QString line = stamp + "  " + (level == "info" ? QString() : level.toUpper() + ": ") + message;
    log_->appendPlainText(line);
}

void MainWindow::exportPlots() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Export every plot into"));
    if (dir.isEmpty()) return;
    const std::pair<QCustomPlot*, const char*> plots[] = {{depth_->plot(), "radii-depth"},
                                                          {heatmap_->plot(), "radii-heatmap"},
                                                          {curves_->plot(), "radii-curves"},
                                                          {loss_->plot(), "loss"},
                                                          {accuracy_->plot(), "accuracy"}};
    int saved = 0;
    for (const auto& [plot, name] : plots) {
        saved += savePlot(plot, QDir(dir).filePath(QString(name) + ".png"), 1200, 700) ? 1 : 0;
        saved += savePlot(plot, QDir(dir).filePath(QString(name) + ".pdf"), 1200, 700) ? 1 : 0;
    }
    statusBar()->showMessage(tr("Saved %1 files (PNG and PDF) in %2").arg(saved).arg(dir), 8000);
}

void MainWindow::exportResults() {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export results"), "results.csv", tr("CSV (*.csv)"));
    if (path.isEmpty()) return;
    if (results_->exportCsv(path))
        statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
    else
        statusBar()->showMessage(tr("Cannot write %1").arg(path), 8000);
}

void MainWindow::loadConfigFile() {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Load run config"), {}, tr("YAML (*.yaml *.yml)"));
    if (!path.isEmpty()) loadConfig(path);
}

bool MainWindow::loadConfig(const QString& path) {
    try {
        // Keys the file does not set keep the panel's values (a file without tpgm.proj_lr must
        // not reset it to the default), and an automatic run name stays automatic.
        const RunConfig panel = setup_->config();
        RunConfig loaded = load_config_file(path.toStdString(), panel);
        if (loaded.run_dir == panel.run_dir && setup_->automaticRunName())
            loaded.run_dir = QDir(setup_->runsRoot()).filePath("latest").toStdString();
        setConfig(loaded);
        statusBar()->showMessage(tr("Loaded %1").arg(path), 5000);
        return true;
    } catch (const std::exception& e) {
        statusBar()->showMessage(tr("Cannot load %1: %2").arg(path, e.what()), 10000);
        return false;
    }
}

void MainWindow::saveConfigFile() {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Save run config"), "run.yaml", tr("YAML (*.yaml)"));
    if (path.isEmpty()) return;
    std::ofstream out(path.toStdString());
    out << to_yaml(setup_->config());
    statusBar()->showMessage(out ? tr("Saved %1").arg(path) : tr("Cannot write %1").arg(path),
                             5000);
}

}  // namespace tpgm::ui
