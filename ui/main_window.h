// SPDX-License-Identifier: GPL-3.0-or-later
// The workbench window: run setup dock, live plots of the run being trained and of opened run
// folders, the runs/results dock, the robustness demo and placeholders for later panels.
#pragma once

#include "config/run_config.h"
#include "ui/run_series.h"

#include <QElapsedTimer>
#include <QMainWindow>
#include <QTimer>

class QAction;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QShortcut;
class QSpinBox;
class QSplitter;
class QTabWidget;

namespace tpgm::ui {

class AccuracyPlot;
class CompareView;
class CorruptionHeatmap;
class DatasetPreview;
class LossPlot;
class RadiiCurvesPlot;
class RadiiDepthPlot;
class RadiiHeatmap;
class ResultsTable;
class RobustnessPanel;
class SegmentationPanel;
class SetupPanel;
class TrainingController;

class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Puts `config` into the setup panel (a config file, --set overrides).
    void setConfig(const RunConfig& config);
    // Starts the run the setup panel describes; false (status bar says why) when invalid or busy.
    bool startRun();
    void pauseRun();
    void resumeRun();
    void stopRun();
    // Continues the selected run (resume from its last.pt) for `epochs` more epochs.
    bool extendRun(int epochs);
    // Starts `config` (a fork ForkDialog prepared) as the live run; false when busy or it fails.
    bool startForkedRun(const RunConfig& config, const QString& parentName);
    // Adds a run folder to the session and follows it while it is being written.
    RunPtr openRun(const QString& dir, QString* error = nullptr);
    // Opens every run folder directly inside `dir` (a runs folder), oldest first; the count.
    int openRunsIn(const QString& dir);
    bool isTraining() const;
    // File > Load Config: the file's keys on top of the panel's settings; false (status bar
    // says why) when it cannot be read.
    bool loadConfig(const QString& path);
    // Drains the training buffer and redraws at once (the timer does this every 40 ms).
    void refreshNow();

    SetupPanel* setupPanel() const { return setup_; }
    LossPlot* lossPlot() const { return loss_; }
    AccuracyPlot* accuracyPlot() const { return accuracy_; }
    RadiiDepthPlot* radiiDepthPlot() const { return depth_; }
    RadiiHeatmap* radiiHeatmap() const { return heatmap_; }
    RadiiCurvesPlot* radiiCurvesPlot() const { return curves_; }
    ResultsTable* resultsTable() const { return results_; }
    RobustnessPanel* robustnessPanel() const { return robustness_; }
    TrainingController* controller() const { return controller_; }
    const RunList& runs() const { return runs_; }
    CompareView* compareView() const { return compare_; }
    QAction* startAction() const { return start_; }  // tests: whether Start is offered
    DatasetPreview* dataPreview() const { return preview_; }
    RunPtr liveRun() const { return live_; }
    QTabWidget* tabs() const { return tabs_; }
    // Next to Start: why it is disabled ("1 problem: epochs"); hidden when Start can run.
    QLabel* startProblemLabel() const { return startProblem_; }
    // The status bar's message: what the window is doing (training, evaluating, finished).
    QString statusText() const;
    QString etaText() const;
    // Replots done so far (tests check that updates are coalesced, not per event).
    int replotCount() const { return replots_; }

  signals:
    void runFinished(const QString& status);

  protected:
    void closeEvent(QCloseEvent* event) override;

  private:
    void buildActions();
    void buildMenus();
    void buildCentral();
    void buildDocks();
    void buildStatusBar();
    void restoreLayout();
    void saveLayout() const;
    void resetLayout();
    void onTick();
    void onRunFinished(const QString& status, const QString& message);
    void followRuns();
    void replot();
    void updateActions();
    void updateStatus(const StepEvent& e);
    void appendLog(const QString& level, const QString& message);
    // Focuses the first field with a problem, scrolled into view; false when there is none.
    bool focusProblem();
    // The status text when nothing runs, naming the data the panel would train on.
    QString idleMessage() const;
    // Shows idleMessage() unless a run trains or a finished run's message is up.
    void showIdleMessage();
    void showPhase();
    void resetStatusLabels();
    void exportPlots();
    void exportResults();
    void loadConfigFile();
    void saveConfigFile();
    void openRunDialog();
    void showAbout();
    RunPtr addRun(RunSeries series);
    // Shows the run `config` just started as the live run: one row per folder, fresh labels.
    void showLiveRun(const RunConfig& config);
    RunPtr primaryRun() const;

    TrainingController* controller_;
    SetupPanel* setup_;
    LossPlot* loss_;
    AccuracyPlot* accuracy_;
    RadiiDepthPlot* depth_;
    RadiiHeatmap* heatmap_;
    RadiiCurvesPlot* curves_;
    ResultsTable* results_;
    RobustnessPanel* robustness_;
    SegmentationPanel* segmentation_;
    CorruptionHeatmap* corruption_;
    CompareView* compare_;
    DatasetPreview* preview_;
    QPlainTextEdit* log_;
    QTabWidget* tabs_;
    QSplitter* rows_;
    QSplitter* topRow_;
    QSplitter* bottomRow_;
    QByteArray defaultState_;

    QAction* start_;
    QAction* pause_;
    QAction* resume_;
    QAction* stop_;
    QAction* extend_;
    QAction* openRun_;
    QSpinBox* extendEpochs_;
    QLabel* startProblem_;
    QAction* startProblemAction_;
    QShortcut* startWhy_;  // Ctrl+R while Start is disabled: say why instead of nothing

    QLabel* stepLabel_;
    QLabel* epochLabel_;
    QLabel* speedLabel_;
    QLabel* etaLabel_;
    QLabel* deviceLabel_;
    QProgressBar* progress_;

    QTimer tick_;
    QTimer follow_;
    RunList runs_;
    RunPtr live_;
    QString phase_;             // the evaluation phase shown, empty while training
    QElapsedTimer phaseClock_;  // how long the current evaluation has taken
    QString evalSet_;           // the set the engine is scoring now ("OOD set 3 of 15 (sketch)")
    double evalSetsDone_ = 0;   // fraction of the current evaluation's sets already scored
    double evalSeconds_ = -1;   // the last evaluation's duration, for the ETA
    RunPtr messageRun_;         // the run the status message reports on (finished, failed)
    bool dirty_ = false;
    int replots_ = 0;
};

}  // namespace tpgm::ui
