// SPDX-License-Identifier: GPL-3.0-or-later
// The workbench window, offscreen: it opens, a tiny run starts from it and feeds the plots,
// pause/stop answer within a step, run folders reopen with the same curves, invalid settings
// are shown next to their field, the event loop stays responsive while training runs, and the
// About text names the license and versions; a second Start never writes into the first run's
// folder, a disabled Start names its problem, themes restyle every plot, and the status bar
// names the evaluation phase.
#include "engine/build_info.h"
#include "facade/runtime_facade.h"
#include "job_checks.h"
#include "runs/run_files.h"
#include "tiny_demo.h"
#include "ui/accuracy_plot.h"
#include "ui/compare_view.h"
#include "ui/corruption_heatmap.h"
#include "ui/jobs/background_job.h"
#include "ui/loss_plot.h"
#include "ui/main_window.h"
#include "ui/radii_curves_plot.h"
#include "ui/radii_depth_plot.h"
#include "ui/radii_heatmap.h"
#include "ui/recent_runs.h"
#include "ui/results_table.h"
#include "ui/robustness_panel.h"
#include "ui/run_naming.h"
#include "ui/run_phase.h"
#include "ui/setup_panel.h"
#include "ui/theme.h"
#include "ui/training_controller.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest/QtTest>

using tpgm::ui::MainWindow;

class TestWorkbench : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    QString runDir_;  // the completed tiny TPGM run, reused by later tests

    tpgm::RunConfig tiny(const QString& name, int epochs = 2) {
        tpgm::RunConfig c = tiny_demo_config(tmp_.filePath("cache").toStdString(),
                                             tmp_.filePath("runs/" + name).toStdString());
        c.epochs = epochs;
        return c;
    }

    // Waits for the window's run to end, pumping events; returns the final status.
    static QString waitFinished(MainWindow& w, int timeoutMs) {
        QSignalSpy spy(&w, &MainWindow::runFinished);
        if (!w.isTraining()) return QString();
        if (!spy.wait(timeoutMs)) return QStringLiteral("timeout");
        return spy.takeFirst().at(0).toString();
    }

  private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY2(fashion_mnist_available(),
                 "Debian's dataset-fashion-mnist is not installed (packaging/install-deps.sh "
                 "installs it)");
    }

    void windowOpens() {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QCOMPARE(w.windowTitle(), QString("TPGM Workbench"));
        QVERIFY(w.findChild<QDockWidget*>("setupDock"));
        QVERIFY(w.findChild<QDockWidget*>("runsDock"));
        // training, radii curves, robustness, segmentation, heat map, compare,
        // data preview
        QCOMPARE(w.tabs()->count(), 7);
        QVERIFY(!w.windowIcon().isNull());
        QVERIFY(tpgm::ui::aboutHtml().contains("Trainable Projected Gradient Method"));
    }

    // Help > About shows aboutHtml(); it names the license, why, and where to read it.
    void aboutNamesTheLicense() {
        const QString about = tpgm::ui::aboutHtml();
        QVERIFY2(about.contains("GPL-3.0-or-later"), qPrintable(about));
        QVERIFY2(about.contains("QCustomPlot (GPL-3+)"), qPrintable(about));
        QVERIFY2(about.contains("LICENSE") && about.contains("THIRD_PARTY.md"), qPrintable(about));
        // Version, commit and the libraries, as `tpgm-cli --version` prints them, plus Qt.
        const tpgm::BuildInfo b = tpgm::build_info();
        for (const std::string& part : {b.version, b.commit, b.libtorch, b.opencv})
            QVERIFY2(about.contains(QString::fromStdString(part)), qPrintable(about));
        QVERIFY(about.contains(QString("Qt ") + qVersion()));
        QVERIFY2(!about.contains('%'), qPrintable(about));  // every placeholder filled
    }

    // Two Starts with the same settings: the second goes to "<name>-2"; both folders stay
    // complete (the first run's final.pt and summary survive), one row per folder.
    void secondStartKeepsTheFirstRun() {
        MainWindow w;
        w.setConfig(tiny("same", 1));
        w.show();
        QVERIFY(w.startRun());
        QVERIFY2(waitFinished(w, 120000) == "completed", qPrintable(w.statusText()));
        const QString first = w.liveRun()->dir;
        QVERIFY2(w.statusText().contains("completed") && w.statusText().contains("ID "),
                 qPrintable(w.statusText()));
        QTest::qWait(200);
        QVERIFY2(w.statusText().contains("completed"), "the completed message must stay");
        QVERIFY(w.startRun());
        QCOMPARE(waitFinished(w, 120000), QString("completed"));
        const QString second = w.liveRun()->dir;
        QCOMPARE(QFileInfo(first).fileName(), QString("same"));
        QCOMPARE(QFileInfo(second).fileName(), QString("same-2"));
        for (const QString& dir : {first, second}) {
            QVERIFY2(QFileInfo::exists(dir + "/checkpoints/final.pt"), qPrintable(dir));
            const tpgm::RunRecord r = tpgm::read_run(dir.toStdString());
            QVERIFY(r.summary);
            QCOMPARE(r.summary->status, tpgm::RunStatus::Completed);
            QCOMPARE(static_cast<int>(r.steps.size()), 6);  // 200 images / 32, one epoch
        }
        QCOMPARE(w.resultsTable()->table()->rowCount(), 2);
        // Opening a folder of the session again adds no row, however the path is spelt.
        QVERIFY(w.openRun(first + "/."));
        QCOMPARE(w.resultsTable()->table()->rowCount(), 2);
        QCOMPARE(tpgm::ui::uniqueDisplayName("same", {"same", "same (2)"}), QString("same (3)"));
        // After a restart: File > Open Earlier Runs (or Open Run on the runs folder) lists them.
        MainWindow later;
        QVERIFY(later.openRunsIn(QFileInfo(first).path()) >= 2);
        QVERIFY(later.resultsTable()->table()->rowCount() >= 2);
    }

    // A disabled Start says why next to it; Start (and Ctrl+R) names the problem.
    void disabledStartNamesTheProblem() {
        MainWindow w;
        w.setConfig(tiny("refused"));
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QTRY_VERIFY(!w.startProblemLabel()->isVisible());
        auto* lr = qobject_cast<QLineEdit*>(w.setupPanel()->field("optim.lr"));
        lr->setText("-1");
        QTRY_VERIFY(w.startProblemLabel()->isVisible());  // the tool bar lays it out
        const QString why = w.startProblemLabel()->text();
        QVERIFY2(why.contains("1 problem") && why.contains("optim.lr"), qPrintable(why));
        QVERIFY(!w.startRun());
        QVERIFY2(w.statusText().contains("Cannot start: optim.lr"), qPrintable(w.statusText()));
        w.statusBar()->clearMessage();
        w.activateWindow();
        QApplication::setActiveWindow(&w);
        QTest::keyClick(&w, Qt::Key_R, Qt::ControlModifier);
        QVERIFY2(w.statusText().contains("Cannot start"), "Ctrl+R must not do nothing");
        lr->setText("0.05");
        QTRY_VERIFY(!w.startProblemLabel()->isVisible());
    }

    // File > Load Config leaves the keys a file does not set as the panel has them.
    void loadConfigKeepsUnsetFields() {
        MainWindow w;
        tpgm::RunConfig c = tiny("loaded");
        c.tpgm.proj_lr = 0.1;
        w.setConfig(c);
        QFile f(tmp_.filePath("partial.yaml"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("epochs: 7\n");
        f.close();
        QVERIFY(w.loadConfig(f.fileName()));
        QCOMPARE(w.setupPanel()->config().epochs, int64_t{7});
        QCOMPARE(w.setupPanel()->config().tpgm.proj_lr, 0.1);
    }

    // Every plot and its colour bar follow View > Theme at once, both ways.
    void themeSwitchRestylesPlots() {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        const QList<QCustomPlot*> plots = {w.lossPlot()->plot(), w.accuracyPlot()->plot(),
                                           w.radiiDepthPlot()->plot(), w.radiiHeatmap()->plot(),
                                           w.radiiCurvesPlot()->plot()};
        // What is wrong with the plots' colours, empty when they follow the palette.
        auto mismatch = [&plots](const QPalette& pal) -> QString {
            const QColor base = pal.color(QPalette::Base), text = pal.color(QPalette::Text);
            for (QCustomPlot* plot : plots) {
                const QString id = QString("plot %1: ").arg(plots.indexOf(plot));
                const QColor bg = plot->toPixmap(60, 40).toImage().pixel(1, 1);
                if (bg.name() != base.name()) return id + "background " + bg.name();
                if (plot->xAxis->tickLabelColor().name() != text.name()) return id + "ticks";
                if (plot->yAxis->labelColor().name() != text.name()) return id + "axis title";
                for (QCPLayoutElement* e : plot->plotLayout()->elements(true))
                    if (auto* scale = qobject_cast<QCPColorScale*>(e))
                        if (scale->axis()->tickLabelColor().name() != text.name())
                            return id + "colour bar";
            }
            return {};
        };
        for (auto theme : {tpgm::ui::Theme::Dark, tpgm::ui::Theme::Light}) {
            tpgm::ui::applyTheme(theme);
            const QPalette pal = QApplication::palette();
            // The plots restyle on the next event-loop turn (a busy machine may take a while).
            QTRY_COMPARE_WITH_TIMEOUT(mismatch(pal), QString(), 5000);
            // Labels with a style sheet (the robustness notes) take the new palette too.
            for (QLabel* label : w.robustnessPanel()->findChildren<QLabel*>())
                if (!label->styleSheet().isEmpty())
                    QCOMPARE(label->palette().color(QPalette::WindowText).name(),
                             pal.color(QPalette::WindowText).name());
        }
    }

    // The robustness tab scrolls in a small window: its unfocused controls ignore the wheel.
    // Every combo box, spin box and slider of the window (setup panel, plots' choices, Extend,
    // robustness demo) ignores the wheel unless it has focus: scrolling changes nothing.
    void wheelLeavesUnfocusedControlsAlone() {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        auto value = [](QWidget* c) -> QString {
            if (auto* combo = qobject_cast<QComboBox*>(c)) return combo->currentText();
            if (auto* spin = qobject_cast<QAbstractSpinBox*>(c)) return spin->text();
            return QString::number(qobject_cast<QAbstractSlider*>(c)->value());
        };
        QList<QWidget*> controls;
        for (auto* c : w.findChildren<QComboBox*>()) controls << c;
        for (auto* c : w.findChildren<QAbstractSpinBox*>()) controls << c;
        for (auto* c : w.findChildren<QSlider*>()) controls << c;
        QVERIFY(controls.size() >= 20);
        for (QWidget* target : controls) {
            QVERIFY(!target->hasFocus());
            const QString before = value(target);
            for (int dy : {-120, 120}) {
                QWheelEvent event(QPointF(5, 5), target->mapToGlobal(QPointF(5, 5)), QPoint(),
                                  QPoint(0, dy), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase,
                                  false);
                QCoreApplication::sendEvent(target, &event);
                QVERIFY2(value(target) == before, qPrintable(target->objectName() + " " +
                                                             target->metaObject()->className()));
            }
        }
    }

    // The phase after a step that ends an evaluated epoch, and after the last one.
    void evaluationPhaseIsNamed() {
        tpgm::ui::EvalPlan plan{4, 2};  // 4 epochs, evaluated after epochs 2 and 4
        tpgm::RunRecord r;
        auto step = [&](int64_t s) {
            tpgm::StepEvent e;
            e.step = s;
            e.total_steps = 40;
            e.epoch = (s - 1) / 10;
            r.steps.push_back(e);
        };
        step(10);
        QVERIFY(evaluationPhase(r, plan).isEmpty());  // epoch 1 is not evaluated
        QCOMPARE(plan.remainingAfter(10, 40), 2);
        step(20);
        QCOMPARE(evaluationPhase(r, plan), QString("Evaluating after epoch 2 on every test set…"));
        tpgm::EvalEvent eval;
        eval.step = 20;
        eval.top1 = {{"id", 0.5}, {"sketch", 0.3}, {"fog", 0.2}, {"ood_mean", 0.25}};
        r.evals.push_back(eval);
        QVERIFY(evaluationPhase(r, plan).isEmpty());  // it arrived
        step(40);
        QCOMPARE(evaluationPhase(r, plan),
                 QString("Evaluating the final model on ID test and 2 OOD sets…"));
        // Once the engine names the set it scores, the phase says which of how many.
        QCOMPARE(evaluationPhase(r, plan, "OOD set 2 of 2 (fog)"),
                 QString("Evaluating the final model: OOD set 2 of 2 (fog)…"));
        QCOMPARE(plan.remainingAfter(20, 40), 1);
        tpgm::ui::EvalPlan late{4, 5};  // never before the end: only the final evaluation
        QCOMPARE(late.remainingAfter(0, 40), 1);
        QVERIFY(!late.evaluatesAfter(20, 40));
    }

    void invalidSettingsShownNextToField() {
        MainWindow w;
        w.setConfig(tiny("invalid"));
        w.show();
        QVERIFY(w.setupPanel()->isValid());
        auto* lr = qobject_cast<QLineEdit*>(w.setupPanel()->field("optim.lr"));
        QVERIFY(lr);
        lr->setText("-1");
        QLabel* error = w.setupPanel()->errorLabel("optim.lr");
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains("positive"), qPrintable(error->text()));
        auto* seed = qobject_cast<QLineEdit*>(w.setupPanel()->field("seed"));  // unbounded int
        QVERIFY(seed);
        seed->setText("many");
        QVERIFY(w.setupPanel()->errorLabel("seed")->text().contains("whole number"));
        auto* exclude = qobject_cast<QLineEdit*>(w.setupPanel()->field("tpgm.exclude"));
        exclude->setText("fc\\..* ([");
        QVERIFY(w.setupPanel()->errorLabel("tpgm.exclude")->text().contains("regular expression"));
        QVERIFY(!w.setupPanel()->isValid());
        QVERIFY(!w.startRun());  // refused before start, not a crash after
        QVERIFY(!w.isTraining());
        lr->setText("0.05");
        seed->setText("0");
        exclude->setText("fc\\..*");
        QVERIFY(!w.setupPanel()->errorLabel("optim.lr")->isVisible());
        QVERIFY(w.setupPanel()->isValid());
    }

    // While the Compare tab trains a comparison, the window starts no run of its own (both
    // would share the cores); Start comes back when the comparison ends.
    void startWaitsForARunningComparison() {
        MainWindow w;
        w.setConfig(tiny("compare-base", 1));
        tpgm::ComparisonPlan plan;
        plan.base = tiny("compare-base", 1);
        plan.entries = {"ft"};
        plan.seeds = {0};
        plan.out = tmp_.filePath("compare").toStdString();
        QSignalSpy finished(w.compareView(), &tpgm::ui::CompareView::comparisonFinished);
        QVERIFY(w.compareView()->startPlan(plan));
        QVERIFY(w.compareView()->comparing());
        QVERIFY(!w.startAction()->isEnabled());
        QVERIFY(!w.startRun());
        QVERIFY(!w.isTraining());
        QVERIFY(finished.wait(240000));
        QCOMPARE(finished.takeFirst().at(1).toString(), QString());
        QVERIFY(w.startAction()->isEnabled());
    }

    void tinyRunFromWindowFeedsPlotsAndStaysResponsive() {
        MainWindow w;
        w.setConfig(tiny("tpgm"));
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        // Event-loop latency: a 10 ms timer's largest gap while the run trains.
        QElapsedTimer clock;
        qint64 last = 0, worst = 0;
        int ticks = 0;
        QTimer probe;
        QObject::connect(&probe, &QTimer::timeout, [&] {
            const qint64 now = clock.elapsed();
            if (ticks++ > 0 && w.isTraining()) worst = std::max(worst, now - last);
            last = now;
        });
        clock.start();
        probe.start(10);
        QVERIFY(w.startRun());
        QVERIFY(w.isTraining());
        QCOMPARE(waitFinished(w, 240000), QString("completed"));
        probe.stop();
        const double seconds = clock.elapsed() / 1000.0;
        qInfo("run took %.1f s; worst event-loop gap %lld ms; %d replots", seconds, worst,
              w.replotCount());
        QVERIFY2(worst < 500, qPrintable(QString("UI blocked for %1 ms").arg(worst)));
        // Coalesced: at most one replot per 40 ms tick (plus explicit ones), never one per event.
        QVERIFY(w.replotCount() <= seconds * 1000 / 40 + 20);

        auto run = w.liveRun();
        QVERIFY(run);
        runDir_ = run->dir;
        QCOMPARE(run->status(), QString("completed"));
        QCOMPARE(static_cast<int>(run->record.steps.size()), 12);  // 200 images / 32, 2 epochs
        QCOMPARE(w.lossPlot()->pointCount(), 12);
        QVERIFY(w.accuracyPlot()->pointCount() >= 2);  // after each epoch
        QVERIFY(w.radiiDepthPlot()->layerCount() > 0);
        QVERIFY(w.radiiHeatmap()->columns() > 0);
        w.tabs()->setCurrentIndex(1);  // hidden plots are redrawn when shown
        w.radiiCurvesPlot()->setPattern(".*");
        QVERIFY(w.radiiCurvesPlot()->curveCount() > 0);
        w.tabs()->setCurrentIndex(0);
        QCOMPARE(w.resultsTable()->table()->rowCount(), 1);
        const QString csv = w.resultsTable()->toCsv();
        QVERIFY2(csv.startsWith("run,method,status,steps,folder,id_top1"), qPrintable(csv));
        QVERIFY(csv.contains(",tpgm,completed,12,"));
        QVERIFY(QFileInfo::exists(runDir_ + "/checkpoints/final.pt"));

        // Plots export as PNG and PDF.
        QVERIFY(w.lossPlot()->plot()->savePng(tmp_.filePath("loss.png"), 400, 300));
        QVERIFY(w.radiiDepthPlot()->plot()->savePdf(tmp_.filePath("radii.pdf"), 400, 300));
        QVERIFY(QFileInfo(tmp_.filePath("radii.pdf")).size() > 0);

        // Extend by one epoch: resumes from last.pt and continues the same curves.
        w.resultsTable()->selectRun(run);
        QVERIFY(w.extendRun(1));
        QCOMPARE(waitFinished(w, 120000), QString("completed"));
        QCOMPARE(run->record.steps.back().step, int64_t{18});
        QCOMPARE(w.lossPlot()->pointCount(), 18);
    }

    void pauseAndStopAnswerWithinOneStep() {
        MainWindow w;
        w.setConfig(tiny("stopped", 200));
        w.show();
        QVERIFY(w.startRun());
        QTRY_VERIFY_WITH_TIMEOUT(w.liveRun()->record.steps.size() >= 3, 120000);
        w.pauseRun();
        QTest::qWait(400);  // the step in progress ends, then the run waits
        w.refreshNow();
        QCOMPARE(w.liveRun()->status(), QString("paused"));  // the table says so
        QVERIFY2(w.etaText().contains("paused"), qPrintable(w.etaText()));
        const size_t paused = w.liveRun()->record.steps.size();
        QTest::qWait(400);
        w.refreshNow();
        QCOMPARE(w.liveRun()->record.steps.size(), paused);
        w.resumeRun();
        QTRY_VERIFY_WITH_TIMEOUT(w.liveRun()->record.steps.size() > paused + 2, 30000);
        QElapsedTimer t;
        t.start();
        // Stop is the training job's Cancel: the job ends as cancelled, the run as stopped.
        QSignalSpy ends(w.controller()->job(), &tpgm::ui::BackgroundJob::finished);
        w.stopRun();
        w.refreshNow();
        const int64_t seen = w.liveRun()->record.steps.back().step;
        QCOMPARE(waitFinished(w, 30000), QString("stopped"));
        VERIFY_CANCELLED(ends, *w.controller()->job(), 0);
        QVERIFY(!w.isTraining());
        QVERIFY(w.startAction()->isEnabled());
        qInfo("stopped %lld ms after the request", static_cast<long long>(t.elapsed()));
        const auto& summary = w.controller()->lastSummary();
        QVERIFY2(summary.steps <= seen + 1,
                 qPrintable(QString("stop at step %1 ran to %2").arg(seen).arg(summary.steps)));
        QVERIFY(summary.steps < 200 * 6);
        QCOMPARE(w.liveRun()->status(), QString("stopped"));
        // The way on is the window's Extend, not a config key.
        QVERIFY2(w.statusText().contains("Extend") && !w.statusText().contains("resume=true"),
                 qPrintable(w.statusText()));
    }

    void runFolderReopensWithSameCurves() {
        QVERIFY(!runDir_.isEmpty());
        const tpgm::RunRecord disk = tpgm::read_run(runDir_.toStdString());
        MainWindow w;
        w.show();
        QString error;
        auto run = w.openRun(runDir_, &error);
        QVERIFY2(run, qPrintable(error));
        QCOMPARE(run->status(), QString("completed"));
        QCOMPARE(run->method, QString("tpgm"));
        QCOMPARE(w.lossPlot()->pointCount(), 18);
        QCOMPARE(w.accuracyPlot()->pointCount(), static_cast<int>(disk.evals.size()));
        QCOMPARE(w.radiiHeatmap()->columns(), static_cast<int>(disk.radii.size()));
        QCOMPARE(w.radiiDepthPlot()->layerCount(),
                 static_cast<int>(disk.radii.back().names.size()));
        // The raw loss curve is the run's loss, point for point.
        w.lossPlot()->setSmoothing(0);
        auto* graph = w.lossPlot()->plot()->graph(0);
        QCOMPARE(graph->dataCount(), static_cast<int>(disk.steps.size()));
        for (int i = 0; i < graph->dataCount(); ++i) {
            QCOMPARE(graph->data()->at(i)->key, static_cast<double>(disk.steps[i].step));
            QVERIFY(std::abs(graph->data()->at(i)->value - disk.steps[i].loss) < 1e-9);
        }
        // Overlay: a second run gets its own colour.
        auto again = w.openRun(tmp_.filePath("runs/stopped"));
        QVERIFY(again);
        QVERIFY(again->color != run->color);
        QCOMPARE(w.resultsTable()->table()->rowCount(), 2);
    }

    void followsARunFolderWrittenElsewhere() {
        // Another writer (here a controller outside the window, as a CLI process would be).
        tpgm::ui::TrainingController writer;
        const tpgm::RunConfig config = tiny("followed", 3);
        QVERIFY(writer.start(config));
        const QString dir = QString::fromStdString(config.run_dir);
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(dir + "/metrics.jsonl"), 60000);
        MainWindow w;
        w.show();
        auto run = w.openRun(dir);
        QVERIFY(run);
        QTRY_VERIFY_WITH_TIMEOUT(!writer.running(), 120000);
        QCOMPARE(writer.lastSummary().status, tpgm::RunStatus::Completed);
        // The window re-reads the folder as it grows, until summary.json appears.
        QTRY_COMPARE_WITH_TIMEOUT(run->status(), QString("completed"), 10000);
        QCOMPARE(static_cast<int>(run->record.steps.size()), 18);
        QTRY_COMPARE_WITH_TIMEOUT(w.lossPlot()->pointCount(), 18, 2000);  // next 40 ms tick
    }

    // File > Open Recent Run lists the runs opened or started lately, newest first, once each;
    // folders that no longer hold a run are left out.
    void recentRunsAreRememberedAndOffered() {
        QVERIFY(!runDir_.isEmpty());
        tpgm::ui::forgetRecentRuns();
        const QString gone = tmp_.filePath("recent-gone");
        QDir().mkpath(gone);
        tpgm::ui::rememberRun(gone);                          // holds no run
        const QString other = tmp_.filePath("recent-other");  // a config alone holds a run
        QDir().mkpath(other);
        QVERIFY(QFile::copy(runDir_ + "/config.yaml", other + "/config.yaml"));
        MainWindow w;
        QVERIFY(w.openRun(runDir_));
        tpgm::ui::rememberRun(other);
        tpgm::ui::rememberRun(runDir_);
        QCOMPARE(tpgm::ui::recentRuns(), QStringList({QDir(runDir_).absolutePath(), other}));
        auto* menu = w.findChild<QMenu*>("recentRunsMenu");
        QVERIFY(menu);
        emit menu->aboutToShow();
        QStringList entries;
        for (QAction* a : menu->actions()) entries << a->text();
        QVERIFY2(entries.size() == 4 && entries.last() == "Clear List",
                 qPrintable(entries.join(" | ")));
        tpgm::ui::forgetRecentRuns();
        QVERIFY(tpgm::ui::recentRuns().isEmpty());
    }

    // One run: the legend names every line. Several: each run's ID and OOD mean. A single
    // evaluation point sits on a 0..end-of-run step axis.
    void accuracyLegendNamesItsLines() {
        auto make = [](const char* name) {
            auto run = std::make_shared<tpgm::ui::RunSeries>();
            run->name = name;
            tpgm::StepEvent step;
            step.step = step.total_steps = 60;
            run->record.steps.push_back(step);
            tpgm::EvalEvent eval;
            eval.step = 60;
            eval.top1 = {{"id", 0.8},    {"sketch", 0.4},          {"hard", 0.2},
                         {"fog-3", 0.5}, {"corruption_mean", 0.5}, {"ood_mean", 0.4}};
            run->record.evals.push_back(eval);
            return run;
        };
        tpgm::ui::AccuracyPlot plot;
        plot.resize(900, 500);
        plot.setRuns({make("a")});
        QCOMPARE(plot.plot()->graphCount(), 6);
        QCOMPARE(plot.plot()->legend->itemCount(), 6);
        QCOMPARE(plot.plot()->xAxis->range().lower, 0.0);
        QVERIFY(plot.plot()->xAxis->range().upper >= 60);
        plot.setRuns({make("a"), make("b")});
        QCOMPARE(plot.plot()->graphCount(), 12);
        QCOMPARE(plot.plot()->legend->itemCount(), 4);
        QStringList names;
        for (int i = 0; i < plot.plot()->legend->itemCount(); ++i)
            if (auto* item = qobject_cast<QCPPlottableLegendItem*>(plot.plot()->legend->item(i)))
                names << item->plottable()->name();
        QVERIFY2(names.contains("b · OOD mean"), qPrintable(names.join(", ")));

        // Step labels thin out as the plot narrows (six ran together at 1024x700).
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        plot.resize(900, 300);
        QTRY_COMPARE(plot.plot()->xAxis->ticker()->tickCount(), 6);
        plot.resize(200, 300);  // the Sets row keeps it a little wider
        QTRY_VERIFY(plot.plot()->width() < 300);
        QTRY_COMPARE(plot.plot()->xAxis->ticker()->tickCount(), plot.plot()->width() / 75);
    }

    void corruptionHeatMapShowsARunAndADifference() {
        // Two run folders with the matrix `tpgm-cli eval --corruptions` writes into eval.json.
        auto make_run = [&](const char* name, double fog1, double fog2) {
            const QString dir = tmp_.filePath(QString("heat-") + name);
            QDir().mkpath(dir);
            QFile f(dir + "/eval.json");
            f.open(QIODevice::WriteOnly);
            f.write(QString(R"({"corruptions": {"severities": [1, 2], "top1": {"fog": [%1, %2],
                "contrast": [0.5, 0.25]}}})")
                        .arg(fog1)
                        .arg(fog2)
                        .toUtf8());
            auto run = std::make_shared<tpgm::ui::RunSeries>();
            run->name = name;
            run->dir = dir;
            return run;
        };
        tpgm::ui::RunList runs{make_run("tpgm", 0.8, 0.6), make_run("ft", 0.7, 0.65)};
        runs.push_back(std::make_shared<tpgm::ui::RunSeries>());  // no eval.json: not offered
        runs.back()->dir = tmp_.filePath("heat-none");
        tpgm::ui::CorruptionHeatmap heat;
        heat.setRuns(runs);
        heat.select(runs[0]->dir);
        QCOMPARE(heat.rows(), 2);
        QCOMPARE(heat.columns(), 2);
        const int fog = heat.cell(0, 0) == 50.0 ? 1 : 0;  // rows follow the JSON key order
        QCOMPARE(heat.cell(fog, 0), 80.0);
        QCOMPARE(heat.cell(1 - fog, 1), 25.0);
        heat.select(runs[0]->dir, runs[1]->dir);
        QVERIFY(std::abs(heat.cell(fog, 0) - 10.0) < 1e-9);
        QVERIFY(std::abs(heat.cell(fog, 1) + 5.0) < 1e-9);
        QCOMPARE(heat.cell(1 - fog, 0), 0.0);
    }

    // The heat map's Compute button evaluates the selected run in the background, writes its
    // eval.json and shows the matrix; Cancel ends an evaluation and keeps the old eval.json.
    void corruptionHeatMapComputesTheSelectedRun() {
        QVERIFY(!runDir_.isEmpty());
        auto run = std::make_shared<tpgm::ui::RunSeries>();
        run->name = "computed";
        run->dir = tmp_.filePath("heat-computed");
        QDir().mkpath(run->dir + "/checkpoints");
        for (const char* f : {"config.yaml", "checkpoints/final.pt"})
            QVERIFY(QFile::copy(runDir_ + "/" + f, run->dir + "/" + f));
        tpgm::ui::CorruptionHeatmap heat;
        heat.setRuns({run});
        QCOMPARE(heat.rows(), 0);
        auto* compute = heat.findChild<QPushButton*>("computeCorruptions");
        QVERIFY(!compute->isEnabled());  // nothing selected
        heat.setSelectedRun(run, true);
        QVERIFY2(!compute->isEnabled() && compute->text().contains("finished"),
                 qPrintable(compute->text()));
        heat.setSelectedRun(run, false);
        QVERIFY2(compute->isEnabled() && compute->text() == "Compute for computed",
                 qPrintable(compute->text()));

        // Cancelled at once: no eval.json.
        QSignalSpy done(&heat, &tpgm::ui::CorruptionHeatmap::evaluated);
        tpgm::CorruptionRequest request;
        request.corruptions = {"fog", "contrast"};
        request.severities = {1, 3};
        request.images = 40;
        QSignalSpy ends(heat.job(), &tpgm::ui::BackgroundJob::finished);
        QVERIFY(heat.computeSelected(request));
        QVERIFY(!heat.computeSelected(request));  // one at a time
        QVERIFY(compute->isHidden());
        heat.findChild<QPushButton*>("cancelCorruptions")->click();
        QVERIFY(done.wait(60000));
        QCOMPARE(done.takeFirst().at(1).toString(), QString("cancelled"));
        VERIFY_CANCELLED(ends, *heat.job(), 0);
        QVERIFY(!compute->isHidden() && compute->isEnabled());  // idle: Compute is back
        QVERIFY(!QFileInfo::exists(run->dir + "/eval.json"));

        QVERIFY(heat.computeSelected(request));
        QVERIFY(done.wait(120000));
        QCOMPARE(done.takeFirst().at(1).toString(), QString());
        const auto report = tpgm::read_eval_json(run->dir.toStdString());
        QVERIFY(report && report->corruptions && report->top1.count("id"));
        QCOMPARE(report->corruptions->severities, (std::vector<int>{1, 3}));
        QCOMPARE(heat.rows(), 2);
        QCOMPARE(heat.columns(), 2);
        const double fog1 = 100 * report->corruptions->top1.at("fog")[0];
        QVERIFY(heat.cell(0, 0) == fog1 || heat.cell(1, 0) == fog1);
        QVERIFY2(compute->text() == "Recompute for computed", qPrintable(compute->text()));
    }

    void robustnessDemoShowsTopFive() {
        QVERIFY(!runDir_.isEmpty());
        MainWindow w;
        w.setConfig(tiny("unused"));
        auto* panel = w.robustnessPanel();
        QSignalSpy ready(panel, &tpgm::ui::RobustnessPanel::samplesReady);
        panel->loadSamples();
        QVERIFY(ready.wait(60000));
        panel->setRunFolder(2, runDir_);
        QCOMPARE(panel->predictionCount(2), 5);
        QVERIFY(!panel->topPrediction(2).isEmpty());
        QCOMPARE(panel->predictionCount(0), 0);  // no linear-probe run chosen
        panel->setCorruption("gaussian_noise", 5);
        QCOMPARE(panel->predictionCount(2), 5);
    }
};

int main(int argc, char** argv) {
    tpgm::facade::prepare_process();
    QApplication app(argc, argv);
    QApplication::setOrganizationName("TPGM");
    QApplication::setApplicationName("WorkbenchTest");
    tpgm::ui::initUiResources();
    TestWorkbench test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_workbench.moc"
