// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/main_window.h"

#include "config/config_schema.h"
#include "ui/accuracy_plot.h"
#include "ui/compare_view.h"
#include "ui/corruption_heatmap.h"
#include "ui/dataset_preview.h"
#include "ui/fork_dialog.h"
#include "ui/form_widgets.h"
#include "ui/jobs/background_job.h"
#include "ui/loss_plot.h"
#include "ui/plot_style.h"
#include "ui/radii_curves_plot.h"
#include "ui/radii_depth_plot.h"
#include "ui/radii_heatmap.h"
#include "ui/recent_runs.h"
#include "ui/results_table.h"
#include "ui/robustness_panel.h"
#include "ui/segmentation_panel.h"
#include "ui/setup_panel.h"
#include "ui/theme.h"
#include "ui/training_controller.h"

#include <qcustomplot.h>

#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QScreen>
#include <QScrollArea>
#include <QSettings>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>

namespace tpgm::ui {

namespace {
constexpr int kReplotMs = 40;    // coalescing interval of live updates (PlotJuggler style)
constexpr int kFollowMs = 1000;  // polling interval of followed run folders
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setObjectName("TpgmWorkbench");
    setWindowTitle(tr("TPGM Workbench"));
    setWindowIcon(appIcon());
    setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);
    controller_ = new TrainingController(this);
    connect(controller_, &TrainingController::runFinished, this, &MainWindow::onRunFinished);
    buildCentral();
    buildDocks();
    buildActions();
    buildMenus();
    buildStatusBar();
    defaultState_ = saveState();
    const bool firstStart = !QSettings().contains("window/state");
    restoreLayout();
    if (firstStart) {
        // Once the window has its size: a short screen leaves the plots the height, not the
        // runs table (at 700 px the loss and accuracy plots were ~60 px tall).
        QTimer::singleShot(0, this, [this] {
            if (height() < 800)
                resizeDocks({findChild<QDockWidget*>("runsDock")}, {110}, Qt::Vertical);
        });
    }
    connect(&tick_, &QTimer::timeout, this, &MainWindow::onTick);
    tick_.start(kReplotMs);
    connect(&follow_, &QTimer::timeout, this, &MainWindow::followRuns);
    follow_.start(kFollowMs);
    updateActions();
    replot();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildCentral() {
    depth_ = new RadiiDepthPlot;
    heatmap_ = new RadiiHeatmap;
    loss_ = new LossPlot;
    accuracy_ = new AccuracyPlot;
    curves_ = new RadiiCurvesPlot;
    robustness_ = new RobustnessPanel;
    topRow_ = new QSplitter(Qt::Horizontal);
    topRow_->addWidget(depth_);
    topRow_->addWidget(heatmap_);
    bottomRow_ = new QSplitter(Qt::Horizontal);
    bottomRow_->addWidget(loss_);
    bottomRow_->addWidget(accuracy_);
    rows_ = new QSplitter(Qt::Vertical);
    rows_->addWidget(topRow_);
    rows_->addWidget(bottomRow_);
    tabs_ = new QTabWidget;
    tabs_->setObjectName("mainTabs");
    tabs_->setDocumentMode(true);
    // Six tab titles side by side held the window wider than 1024 px; they scroll instead.
    tabs_->setUsesScrollButtons(true);
    tabs_->addTab(rows_, tr("Training"));
    tabs_->addTab(curves_, tr("Radii curves"));
    // Three model columns side by side need ~800 px; in a small window they scroll instead of
    // holding the whole window wider than the screen.
    auto* robustnessScroll = new QScrollArea;
    robustnessScroll->setWidget(robustness_);
    robustnessScroll->setWidgetResizable(true);
    robustnessScroll->setFrameShape(QFrame::NoFrame);
    tabs_->addTab(robustnessScroll, tr("Robustness demo"));
    segmentation_ = new SegmentationPanel;
    tabs_->addTab(segmentation_, tr("Segmentation"));
    corruption_ = new CorruptionHeatmap;
    tabs_->addTab(corruption_, tr("Corruption heat map"));
    connect(corruption_, &CorruptionHeatmap::evaluated, this,
            [this](const QString& dir, const QString& error) {
                const QString name = QFileInfo(dir).fileName();
                const QString text = error.isEmpty() ? tr("%1: corruption matrix written to "
                                                          "eval.json")
                                                           .arg(name)
                                     : error == BackgroundJob::kCancelled
                                         ? tr("%1: evaluation cancelled").arg(name)
                                         : tr("%1: evaluation failed: %2").arg(name, error);
                appendLog(error.isEmpty() || error == BackgroundJob::kCancelled ? "info" : "error",
                          text);
                statusBar()->showMessage(text);  // stays until the next message
            });
    compare_ = new CompareView;
    tabs_->addTab(compare_, tr("Compare"));
    connect(compare_, &CompareView::comparisonStarted, this, &MainWindow::updateActions);
    connect(compare_, &CompareView::comparisonFinished, this,
            [this](const QString& folder, const QString& error) {
                updateActions();
                appendLog(error.isEmpty() || error == BackgroundJob::kCancelled ? "info" : "error",
                          error.isEmpty() ? tr("comparison written to %1").arg(folder)
                                          : tr("comparison in %1: %2").arg(folder, error));
            });
    preview_ = new DatasetPreview;
    tabs_->addTab(preview_, tr("Data preview"));
    setCentralWidget(tabs_);
    connect(tabs_, &QTabWidget::currentChanged, this, [this] { replot(); });
}

void MainWindow::buildDocks() {
    setup_ = new SetupPanel;
    auto* setupDock = new QDockWidget(tr("Run setup"), this);
    setupDock->setObjectName("setupDock");
    setupDock->setWidget(setup_);
    addDockWidget(Qt::LeftDockWidgetArea, setupDock);
    connect(setup_, &SetupPanel::validityChanged, this, &MainWindow::updateActions);
    // The Compare tab's folder is <runs root>/compare; its runs start from the panel's config.
    compare_->setRunsRoot(setup_->runsRoot());
    connect(setup_, &SetupPanel::settingsChanged, this,
            [this] { compare_->setRunsRoot(setup_->runsRoot()); });
    compare_->setConfigSource([this](QString* why) -> std::optional<RunConfig> {
        const auto issues = setup_->issues();
        if (isTraining())
            *why = tr("a run is training; stop it first");
        else if (!issues.empty())
            *why = tr("the run setup has a problem: %1: %2")
                       .arg(QString::fromStdString(issues.front().key),
                            QString::fromStdString(issues.front().message));
        else
            return setup_->config();
        return std::nullopt;
    });
    auto previewData = [this] {
        tabs_->setCurrentWidget(preview_);
        preview_->load(setup_->config());
    };
    connect(setup_, &SetupPanel::previewRequested, this, previewData);
    connect(preview_, &DatasetPreview::reloadRequested, this, previewData);

    results_ = new ResultsTable;
    auto* runsDock = new QDockWidget(tr("Runs and results"), this);
    runsDock->setObjectName("runsDock");
    runsDock->setWidget(results_);
    addDockWidget(Qt::BottomDockWidgetArea, runsDock);
    connect(results_, &ResultsTable::visibilityChanged, this, [this] {
        dirty_ = true;
        replot();
    });
    connect(results_, &ResultsTable::currentRunChanged, this, [this] {
        // A finished or failed run's message goes when another run is selected.
        if (messageRun_ && results_->currentRun() != messageRun_ && !isTraining()) {
            messageRun_.reset();
            showIdleMessage();
        }
        dirty_ = true;
        updateActions();
    });
    connect(results_, &ResultsTable::forkRequested, this, [this](const RunPtr& run) {
        if (isTraining()) {
            statusBar()->showMessage(tr("A run is training; fork when it has ended."), 5000);
            return;
        }
        ForkDialog dialog(run->dir, setup_->config(), this);
        if (dialog.exec() == QDialog::Accepted) startForkedRun(dialog.prepared(), run->name);
    });
    connect(results_, &ResultsTable::removeRequested, this, [this](const RunPtr& run) {
        if (run == live_ && isTraining()) return;
        runs_.erase(std::remove(runs_.begin(), runs_.end(), run), runs_.end());
        if (run == live_) live_.reset();
        dirty_ = true;
        replot();
    });

    log_ = new QPlainTextEdit;
    log_->setObjectName("logView");
    log_->setReadOnly(true);
    log_->setMaximumBlockCount(5000);
    auto* logDock = new QDockWidget(tr("Log"), this);
    logDock->setObjectName("logDock");
    logDock->setWidget(log_);
    addDockWidget(Qt::BottomDockWidgetArea, logDock);
    tabifyDockWidget(runsDock, logDock);
    runsDock->raise();
    resizeDocks({setupDock}, {330}, Qt::Horizontal);
    resizeDocks({runsDock}, {170}, Qt::Vertical);
}

void MainWindow::buildActions() {
    start_ = new QAction(actionIcon("start"), tr("&Start"), this);
    start_->setShortcut(QKeySequence("Ctrl+R"));
    start_->setToolTip(tr("Start a new run with these settings (Ctrl+R)"));
    connect(start_, &QAction::triggered, this, [this] { startRun(); });
    pause_ = new QAction(actionIcon("pause"), tr("&Pause"), this);
    pause_->setShortcut(QKeySequence("Ctrl+P"));
    connect(pause_, &QAction::triggered, this, &MainWindow::pauseRun);
    resume_ = new QAction(actionIcon("resume"), tr("Res&ume"), this);
    resume_->setShortcut(QKeySequence("Ctrl+Shift+P"));
    connect(resume_, &QAction::triggered, this, &MainWindow::resumeRun);
    stop_ = new QAction(actionIcon("stop"), tr("S&top"), this);
    stop_->setShortcut(QKeySequence("Ctrl+."));
    stop_->setToolTip(tr("Stop after the current step; last.pt keeps the state (Ctrl+.)"));
    connect(stop_, &QAction::triggered, this, &MainWindow::stopRun);
    extendEpochs_ = new WheelSafeSpinBox(this);
    extendEpochs_->setRange(1, 10000);
    extendEpochs_->setValue(10);
    extendEpochs_->setSuffix(tr(" epochs"));
    extend_ = new QAction(actionIcon("extend"), tr("&Extend by"), this);
    extend_->setShortcut(QKeySequence("Ctrl+E"));
    extend_->setToolTip(
        tr("Continue the selected run from its last checkpoint for more epochs (Ctrl+E)"));
    connect(extend_, &QAction::triggered, this, [this] { extendRun(extendEpochs_->value()); });
    openRun_ = new QAction(actionIcon("open"), tr("&Open Run…"), this);
    openRun_->setShortcut(QKeySequence::Open);
    connect(openRun_, &QAction::triggered, this, &MainWindow::openRunDialog);

    auto* bar = addToolBar(tr("Run"));
    bar->setObjectName("runToolBar");
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(start_);
    // Why Start is disabled, next to it; a click goes to the field.
    startProblem_ = new QLabel(this);
    startProblem_->setObjectName("startProblem");
    startProblem_->setStyleSheet("color: #e0443e; padding: 0 6px;");
    startProblem_->setTextFormat(Qt::RichText);
    connect(startProblem_, &QLabel::linkActivated, this, [this] { focusProblem(); });
    startProblemAction_ = bar->addWidget(startProblem_);
    startWhy_ = new QShortcut(QKeySequence("Ctrl+R"), this);
    startWhy_->setEnabled(false);
    connect(startWhy_, &QShortcut::activated, this, [this] { startRun(); });
    bar->addAction(pause_);
    bar->addAction(resume_);
    bar->addAction(stop_);
    bar->addSeparator();
    bar->addAction(extend_);
    bar->addWidget(extendEpochs_);
    bar->addSeparator();
    bar->addAction(openRun_);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(openRun_);
    file->addAction(tr("Open &Earlier Runs"), this, [this] {
        const int opened = openRunsIn(setup_->runsRoot());
        statusBar()->showMessage(
            opened > 0 ? tr("Opened %1 runs from %2").arg(opened).arg(setup_->runsRoot())
                       : tr("No runs in %1 yet").arg(setup_->runsRoot()),
            8000);
    });
    QMenu* recent = file->addMenu(tr("Open &Recent Run"));
    recent->setObjectName("recentRunsMenu");
    connect(recent, &QMenu::aboutToShow, this, [this, recent] {
        recent->clear();
        const QStringList dirs = recentRuns();
        for (const QString& dir : dirs)
            recent->addAction(QDir::toNativeSeparators(dir), this, [this, dir] { openRun(dir); });
        if (dirs.isEmpty()) recent->addAction(tr("(none yet)"))->setEnabled(false);
        recent->addSeparator();
        recent->addAction(tr("Clear List"), this, [] { forgetRecentRuns(); });
    });
    file->addSeparator();
    file->addAction(tr("&Load Config…"), this, &MainWindow::loadConfigFile);
    file->addAction(tr("&Save Config…"), this, &MainWindow::saveConfigFile);
    file->addSeparator();
    file->addAction(tr("Export Results as &CSV…"), this, &MainWindow::exportResults);
    file->addAction(tr("Export &Plots (PNG/PDF)…"), this, &MainWindow::exportPlots);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    for (QAction* a : {start_, pause_, resume_, stop_, extend_}) run->addAction(a);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());
    view->addSeparator();
    QMenu* theme = view->addMenu(tr("&Theme"));
    auto* group = new QActionGroup(this);
    const std::pair<QString, Theme> themes[] = {{tr("Follow the &system"), Theme::System},
                                                {tr("&Light"), Theme::Light},
                                                {tr("&Dark"), Theme::Dark}};
    for (const auto& [label, value] : themes) {
        QAction* a = theme->addAction(label);
        a->setCheckable(true);
        a->setChecked(currentTheme() == value);
        group->addAction(a);
        connect(a, &QAction::triggered, this, [value = value] {
            applyTheme(value);
            QSettings().setValue("view/theme", static_cast<int>(value));
        });
    }
    view->addAction(tr("&Reset Layout"), this, &MainWindow::resetLayout);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About TPGM Workbench"), this, &MainWindow::showAbout);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::buildStatusBar() {
    progress_ = new QProgressBar(this);
    progress_->setMaximumWidth(220);
    progress_->setTextVisible(true);
    progress_->hide();
    stepLabel_ = new QLabel(tr("step –"), this);
    epochLabel_ = new QLabel(tr("epoch –"), this);
    speedLabel_ = new QLabel(tr("– img/s"), this);
    etaLabel_ = new QLabel(tr("ETA –"), this);
    deviceLabel_ = new QLabel(tr("device –"), this);
    statusBar()->addPermanentWidget(progress_);
    for (QLabel* l : {stepLabel_, epochLabel_, speedLabel_, etaLabel_, deviceLabel_}) {
        l->setMinimumWidth(80);
        statusBar()->addPermanentWidget(l);
    }
    showIdleMessage();
    // The idle text names the method, data and earlier runs: it follows every setting.
    connect(setup_, &SetupPanel::settingsChanged, this, &MainWindow::showIdleMessage);
}

void MainWindow::restoreLayout() {
    QSettings s;
    if (s.contains("window/geometry"))
        restoreGeometry(s.value("window/geometry").toByteArray());
    else  // the preferred size, or the whole screen where that is smaller (a 1024 x 700 laptop)
        resize(QSize(1500, 920).boundedTo(screen()->availableGeometry().size()));
    restoreState(s.value("window/state").toByteArray());
    rows_->restoreState(s.value("window/rows").toByteArray());
    topRow_->restoreState(s.value("window/topRow").toByteArray());
    bottomRow_->restoreState(s.value("window/bottomRow").toByteArray());
    tabs_->setCurrentIndex(s.value("window/tab", 0).toInt());
    loss_->setSmoothing(s.value("plots/smoothing", 0.6).toDouble());
    curves_->setPattern(s.value("plots/radiiRegex", "conv").toString());
    heatmap_->setValueMode(s.value("plots/heatmapMode", 0).toInt());
    depth_->setLogScale(s.value("plots/radiiLog", false).toBool());
    accuracy_->setSetsMode(s.value("plots/accuracySets", 1).toInt());
    extendEpochs_->setValue(s.value("run/extendEpochs", 10).toInt());
}

void MainWindow::saveLayout() const {
    QSettings s;
    s.setValue("window/geometry", saveGeometry());
    s.setValue("window/state", saveState());
    s.setValue("window/rows", rows_->saveState());
    s.setValue("window/topRow", topRow_->saveState());
    s.setValue("window/bottomRow", bottomRow_->saveState());
    s.setValue("window/tab", tabs_->currentIndex());
    s.setValue("plots/smoothing", loss_->smoothing());
    s.setValue("plots/radiiRegex", curves_->pattern());
    s.setValue("plots/heatmapMode", heatmap_->valueMode());
    s.setValue("plots/radiiLog", depth_->logScale());
    s.setValue("plots/accuracySets", accuracy_->setsMode());
    s.setValue("run/extendEpochs", extendEpochs_->value());
}

void MainWindow::resetLayout() {
    restoreState(defaultState_);
    // restoreState alone keeps the docks' current sizes; the defaults are set as at start.
    resizeDocks({findChild<QDockWidget*>("setupDock")}, {330}, Qt::Horizontal);
    resizeDocks({findChild<QDockWidget*>("runsDock")}, {170}, Qt::Vertical);
    for (QSplitter* s : {rows_, topRow_, bottomRow_}) s->setSizes({1, 1});
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (isTraining()) {
        statusBar()->showMessage(tr("Stopping the run (its last checkpoint is kept)…"));
        controller_->stop();
        controller_->wait();
    }
    saveLayout();
    QMainWindow::closeEvent(event);
}

void MainWindow::showAbout() {
    QMessageBox box(this);
    box.setWindowTitle(tr("About TPGM Workbench"));
    box.setIconPixmap(appIcon().pixmap(96, 96));
    box.setTextFormat(Qt::RichText);
    box.setText(aboutHtml());
    box.exec();
}

}  // namespace tpgm::ui
