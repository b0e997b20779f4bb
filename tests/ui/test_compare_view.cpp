// SPDX-License-Identifier: GPL-3.0-or-later
// The Compare tab, offscreen, over run folders written by hand (no training): one row per
// compared entry with mean ± std per set and the cost per step against FT, runs that did not
// complete left out, numeric sorting, the WiSE-FT curve with its reference points, the teaching
// empty states, a comparison that fails in the background ending on the UI thread, and one of
// two tiny demo runs cancelled while it trains.
#include "engine/comparison.h"
#include "job_checks.h"
#include "runs/run_files.h"
#include "runs/run_store.h"
#include "tiny_demo.h"
#include "ui/compare_view.h"
#include "ui/comparison_table.h"
#include "ui/jobs/background_job.h"
#include "ui/theme.h"
#include "ui/wise_curve_plot.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QClipboard>
#include <QFileInfo>
#include <QHeaderView>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

using namespace tpgm;
using tpgm::ui::CompareView;
using tpgm::ui::WiseCurvePlot;

namespace {

// A finished (or not) run folder: config.yaml naming `method`, five steps `step_s` apart,
// summary.json with `id` / `ood` / `sketch` final top-1.
void writeRun(const QString& dir, const std::string& method, double id, double ood, double step_s,
              RunStatus status = RunStatus::Completed) {
    RunStore store(dir.toStdString(), false);
    RunConfig config;
    config.method = method;
    store.write_config(config);
    for (int s = 1; s <= 5; ++s) {
        StepEvent e;
        e.step = s;
        e.total_steps = 5;
        e.loss = 1.0 / s;
        e.wall_time = 1.7e9 + s * step_s;
        store.append(e);
    }
    RunSummary summary;
    summary.status = status;
    summary.steps = 5;
    summary.seconds = 10 * step_s;
    summary.final_top1 = {{"id", id}, {"ood_mean", ood}, {"sketch", ood - 0.1}};
    store.write_summary(summary);
}

// wise.json over a = 0, 0.25, ..., 1: ID rises linearly, OOD peaks in the middle.
void writeSweep(const QString& dir, double shift) {
    PathSweep sweep;
    sweep.points = {0, 0.25, 0.5, 0.75, 1};
    sweep.final_point = 0.5;
    sweep.top1["id"] = {0.5 + shift, 0.6 + shift, 0.7 + shift, 0.75 + shift, 0.8 + shift};
    sweep.top1["ood_mean"] = {0.3, 0.45, 0.5 + shift, 0.45, 0.4};
    write_path_sweep(dir.toStdString(), sweep);
}

int column(const QTableWidget* table, const QString& header) {
    for (int c = 0; c < table->columnCount(); ++c)
        if (table->horizontalHeaderItem(c)->text() == header) return c;
    return -1;
}

int row(const QTableWidget* table, const QString& method) {
    for (int r = 0; r < table->rowCount(); ++r)
        if (table->item(r, 0)->text() == method) return r;
    return -1;
}

QString cell(const QTableWidget* table, const QString& method, const QString& header) {
    const int r = row(table, method), c = column(table, header);
    return r >= 0 && c >= 0 ? table->item(r, c)->text() : QStringLiteral("(no cell)");
}

}  // namespace

class TestCompareView : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString folder_;

  private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        folder_ = tmp_.filePath("cmp");
        const auto run = [this](const QString& name) { return folder_ + "/" + name; };
        writeRun(run("ft-seed0"), "ft", 0.80, 0.50, 0.100);
        writeRun(run("ft-seed1"), "ft", 0.82, 0.52, 0.100);
        writeRun(run("ft-seed2"), "ft", 0.84, 0.54, 0.100);
        writeRun(run("ft-seed3"), "ft", 0.10, 0.10, 0.100, RunStatus::Stopped);  // left out
        writeRun(run("lp-seed0"), "lp", 0.60, 0.40, 0.050, RunStatus::Failed);   // no row at all
        writeRun(run("tpgm-seed0"), "tpgm", 0.81, 0.58, 0.125);
        writeRun(run("tpgm-seed1"), "tpgm", 0.83, 0.60, 0.125);
        writeRun(run("tpgm_tpgm_post_hoc_true-seed0"), "tpgm", 0.78, 0.61, 0.100);
        writeRun(run("wise-seed0"), "wise", 0.70, 0.50, 0.100);
        writeRun(run("wise-seed1"), "wise", 0.72, 0.52, 0.100);
        writeSweep(run("wise-seed0"), 0.0);
        writeSweep(run("wise-seed1"), 0.02);
    }

    // One row per entry with completed runs, the sets as "mean ± std" (%), and the cost per
    // step against FT, which says "baseline".
    void tableRowsAndValues() {
        CompareView view;
        view.setFolder(folder_);
        QVERIFY(!view.showsEmptyState());
        const QTableWidget* t = view.table();
        QCOMPARE(t->rowCount(), 4);  // ft, tpgm, tpgm (post-hoc), wise; lp failed
        QStringList headers;
        for (int c = 0; c < t->columnCount(); ++c) headers << t->horizontalHeaderItem(c)->text();
        QCOMPARE(headers, QStringList({"method", "runs", "ID", "OOD mean", "sketch",
                                       "wall time (s)", "s/step", "extra cost / step"}));
        QCOMPARE(t->item(0, 0)->text(), QString("ft"));  // the comparison's order at first
        QCOMPARE(cell(t, "ft", "runs"), QString("3"));   // the stopped seed3 left out
        QCOMPARE(cell(t, "ft", "ID"), QString("82.0 ± 2.0"));
        QCOMPARE(cell(t, "ft", "OOD mean"), QString("52.0 ± 2.0"));
        QCOMPARE(cell(t, "ft", "sketch"), QString("42.0 ± 2.0"));
        QCOMPARE(cell(t, "ft", "s/step"), QString("0.100"));
        QCOMPARE(cell(t, "ft", "wall time (s)"), QString("1.0"));
        QCOMPARE(cell(t, "ft", "extra cost / step"), QString("baseline"));
        QCOMPARE(cell(t, "tpgm", "runs"), QString("2"));
        QCOMPARE(cell(t, "tpgm", "OOD mean"), QString("59.0 ± 1.4"));
        QCOMPARE(cell(t, "tpgm", "extra cost / step"), QString("+25 %"));
        QCOMPARE(cell(t, "tpgm (post-hoc)", "runs"), QString("1"));
        QCOMPARE(cell(t, "tpgm (post-hoc)", "extra cost / step"), QString("+0 %"));
        QCOMPARE(view.comparison().baseline, std::string("ft"));

        // Sorting goes by the numbers: OOD mean, highest first.
        view.table()->sortByColumn(column(t, "OOD mean"), Qt::DescendingOrder);
        QCOMPARE(t->item(0, 0)->text(), QString("tpgm (post-hoc)"));
        QCOMPARE(t->item(3, 0)->text(), QString("wise"));
        QCOMPARE(view.table()->entryAt(0), QString("tpgm_tpgm_post_hoc_true"));
        view.refresh();  // keeps the user's sort
        QCOMPARE(t->item(0, 0)->text(), QString("tpgm (post-hoc)"));

        const QString md = view.markdown();
        QVERIFY2(md.contains("| ft | 3 | 82.0 ± 2.0 |"), qPrintable(md));
        QVERIFY2(md.contains("baseline"), qPrintable(md));
        view.copyMarkdown();
        QCOMPARE(QGuiApplication::clipboard()->text(), md);
    }

    // The first entry with wise.json is selected: its curve averages the seeds over the five
    // points, marks the final model and shows FT and post-hoc TPGM as references.
    void wiseCurve() {
        CompareView view;
        view.setFolder(folder_);
        QCOMPARE(view.selectedEntry(), QString("wise"));
        WiseCurvePlot* curve = view.curve();
        QVERIFY(!curve->isEmpty());
        QCOMPARE(curve->pointCount(), 5);
        QCOMPARE(curve->seedCount(), 2);
        QVERIFY(qAbs(curve->meanSweep().top1.at("id")[2] - 0.71) < 1e-9);
        QCustomPlot* plot = curve->plot();
        QStringList names;
        for (int i = 0; i < plot->graphCount(); ++i) names << plot->graph(i)->name();
        QVERIFY2(names.contains("ID") && names.contains("OOD mean"), qPrintable(names.join(", ")));
        QVERIFY2(names.contains("final model (a = 0.5)"), qPrintable(names.join(", ")));
        QVERIFY2(names.contains("FT (ID, OOD)"), qPrintable(names.join(", ")));
        QVERIFY2(names.contains("tpgm (post-hoc) (ID, OOD)"), qPrintable(names.join(", ")));
        QCPGraph* idMean = plot->graph(names.indexOf("ID"));
        QCOMPARE(idMean->dataCount(), 5);
        QVERIFY(qAbs(idMean->data()->at(4)->value - 81.0) < 1e-9);  // percent

        // The paper's view: OOD against ID, one curve per seed and the mean.
        curve->setMode(WiseCurvePlot::kOodVersusId);
        int curves = 0;
        for (int i = 0; i < plot->plottableCount(); ++i)
            if (auto* c = qobject_cast<QCPCurve*>(plot->plottable(i))) {
                ++curves;
                QCOMPARE(c->dataCount(), 5);
            }
        QCOMPARE(curves, 3);
        bool ftPoint = false;
        for (int i = 0; i < plot->graphCount(); ++i)
            if (plot->graph(i)->name() == "FT") {
                ftPoint = true;
                QCOMPARE(plot->graph(i)->dataCount(), 1);
                QVERIFY(qAbs(plot->graph(i)->data()->at(0)->key - 82.0) < 1e-9);
                QVERIFY(qAbs(plot->graph(i)->data()->at(0)->value - 52.0) < 1e-9);
            }
        QVERIFY(ftPoint);

        // A row without wise.json: the curve says why it is empty.
        QVERIFY(view.selectEntry("ft"));
        QVERIFY(curve->isEmpty());
        QCOMPARE(curve->pointCount(), 0);
        QVERIFY2(curve->emptyText().contains("wise.json"), qPrintable(curve->emptyText()));
    }

    // No compared runs: the view teaches how to make some, naming the folder.
    void emptyState() {
        CompareView view;
        QTemporaryDir empty;
        view.setFolder(empty.path());
        QVERIFY(view.showsEmptyState());
        QCOMPARE(view.table()->rowCount(), 0);
        QVERIFY2(view.emptyText().contains("tpgm-cli compare -c CONFIG --methods ft,tpgm,wise"),
                 qPrintable(view.emptyText()));
        QVERIFY2(view.emptyText().contains(empty.path()), qPrintable(view.emptyText()));
        QVERIFY(view.curve()->isEmpty());
        QVERIFY(!view.emptyText().contains("not completed"));
        view.setFolder(empty.filePath("missing"));
        QVERIFY(view.showsEmptyState());
        // A folder whose only run is still training: empty, and it says so.
        writeRun(empty.filePath("ft-seed0"), "ft", 0.5, 0.5, 0.1, RunStatus::Stopped);
        view.setFolder(empty.path());
        QVERIFY(view.showsEmptyState());
        QVERIFY2(view.emptyText().contains("One run folder here has not completed"),
                 qPrintable(view.emptyText()));
        view.setFolder(folder_);
        QVERIFY(!view.showsEmptyState());
        QVERIFY(view.emptyText().isEmpty());
    }

    // The folder follows <runs root>/compare until the user picks another.
    void folderFollowsRunsRoot() {
        CompareView view;
        view.setRunsRoot("/tmp/a");
        QCOMPARE(view.folder(), QString("/tmp/a/compare"));
        view.setRunsRoot("/tmp/b");
        QCOMPARE(view.folder(), QString("/tmp/b/compare"));
        view.setFolder(folder_);
        view.setRunsRoot("/tmp/c");
        QCOMPARE(view.folder(), folder_);
    }

    // Run comparison refuses with a reason instead of starting something it cannot finish.
    void runRefusesWithAReason() {
        CompareView view;
        view.setFolder(tmp_.filePath("new"));
        QCOMPARE(view.checkedEntries(), CompareView::defaultEntries());
        QVERIFY(!view.runComparison());  // no config source
        QVERIFY2(view.statusText().contains("no run setup"), qPrintable(view.statusText()));
        view.setConfigSource([](QString* why) -> std::optional<RunConfig> {
            *why = "a run is training; stop it first";
            return std::nullopt;
        });
        QVERIFY(!view.runComparison());
        QVERIFY2(view.statusText().contains("a run is training"), qPrintable(view.statusText()));
        view.setPlan({"ft"}, "0, x");
        QVERIFY(!view.runComparison());
        QVERIFY2(view.statusText().contains("\"x\" is not a seed"), qPrintable(view.statusText()));
        QVERIFY(!view.job()->isRunning());
        view.setPlan({}, "0");
        QVERIFY(!view.runComparison());
        QVERIFY2(view.statusText().contains("tick"), qPrintable(view.statusText()));
    }

    // A plan whose entry does not validate fails on the worker thread before any training; the
    // failure reaches the UI thread as finished() and the status line.
    void failedComparisonEndsOnTheUiThread() {
        CompareView view;
        view.setFolder(tmp_.filePath("bad"));
        QSignalSpy spy(&view, &CompareView::comparisonFinished);
        ComparisonPlan plan;
        plan.entries = {"no_such_method"};
        plan.seeds = {0};
        plan.out = tmp_.filePath("bad").toStdString();
        QVERIFY(view.startPlan(plan));
        QVERIFY(view.job()->isRunning());
        QVERIFY(!view.startPlan(plan));  // one comparison at a time
        QVERIFY(spy.wait(10000));
        QVERIFY(!view.job()->isRunning());
        const QString error = spy.front().at(1).toString();
        QVERIFY(!error.isEmpty() && error != tpgm::ui::BackgroundJob::kCancelled);
        QVERIFY2(view.statusText().startsWith("Comparison failed"), qPrintable(view.statusText()));
    }

    // Cancel stops the running comparison at its current run's next step: the job ends as
    // cancelled, the tab is idle again and compare.md is not written.
    void cancelStopsTheRunningComparison() {
        QVERIFY2(fashion_mnist_available(),
                 "Debian's dataset-fashion-mnist is not installed (packaging/install-deps.sh "
                 "installs it)");
        CompareView view;
        const QString out = tmp_.filePath("cancelled");
        view.setFolder(out);
        ComparisonPlan plan;
        plan.base = tiny_demo_config(tmp_.filePath("cache").toStdString(), "unused");
        plan.base.epochs = 50;  // still training when the cancel comes
        plan.entries = {"ft", "lp"};
        plan.seeds = {0};
        plan.out = out.toStdString();
        QSignalSpy finished(&view, &CompareView::comparisonFinished);
        QSignalSpy ends(view.job(), &tpgm::ui::BackgroundJob::finished);
        QVERIFY(view.startPlan(plan));
        QTRY_VERIFY_WITH_TIMEOUT(view.statusText().contains(" step "), 120000);
        auto* cancel = view.findChild<QPushButton*>("compareCancel");
        QVERIFY(cancel->isEnabled());
        cancel->click();
        VERIFY_CANCELLED(ends, *view.job(), 30000);
        QCOMPARE(finished.count(), 1);
        QCOMPARE(finished.front().at(1).toString(), tpgm::ui::BackgroundJob::kCancelled);
        QVERIFY2(view.statusText().startsWith("Comparison cancelled"),
                 qPrintable(view.statusText()));
        QVERIFY(!view.comparing());
        QVERIFY(!cancel->isEnabled());
        QVERIFY(!QFileInfo::exists(out + "/compare.md"));
        // The stopped run keeps its folder; it did not complete, so the table leaves it out.
        QVERIFY(QFileInfo::exists(out + "/ft-seed0/config.yaml"));
        QVERIFY(!QFileInfo::exists(out + "/lp-seed0"));
    }
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    tpgm::ui::initUiResources();
    TestCompareView test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_compare_view.moc"
