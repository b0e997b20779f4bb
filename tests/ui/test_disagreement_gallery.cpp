// SPDX-License-Identifier: GPL-3.0-or-later
// The robustness demo's disagreement gallery, offscreen: the ranking and filtering of
// disagreements on hand-made prediction matrices (every 3-column split of three classes), the
// widget on an injected scan (thumbnails, captions, filter, count, stale hint, a click showing
// the sample in the panel), and a real scan of two tiny demo runs that agrees with the panel's
// own predictions and can be cancelled. With TPGM_GALLERY_RUNS=<folder holding lp-seed0,
// ft-seed0, tpgm-seed0> (and TPGM_GALLERY_CONFIG, default resources/configs/demo.yaml) it
// also times a 300-image scan of those runs, batched and one image at a time.
#include "config/config_schema.h"
#include "engine/trainer.h"
#include "facade/run_predictor.h"
#include "facade/runtime_facade.h"
#include "job_checks.h"
#include "robustness/corruptions.h"
#include "tiny_demo.h"
#include "ui/disagreement_gallery.h"
#include "ui/robustness_panel.h"
#include "ui/theme.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <algorithm>
#include <tuple>

using namespace tpgm::ui;

namespace {

const QStringList kNames{"LP", "FT", "TPGM"};

// Rows 0 and 1 agree (all right, all wrong alike); the rest split as their comments say.
const std::vector<std::vector<int>> kPredictions{
    {1, 1, 1},  // 0: all right
    {2, 2, 2},  // 1: all wrong alike
    {1, 2, 1},  // 2: LastRight, 2 right
    {2, 2, 1},  // 3: LastRight, 1 right
    {1, 1, 2},  // 4: PreviousRight, 2 right
    {1, 2, 2},  // 5: OtherSplit
    {2, 0, 3},  // 6: AllWrongDifferent
    {0, 2, 1},  // 7: LastRight, 1 right
    {2, 1, 0},  // 8: PreviousRight, 1 right
};
const std::vector<int> kLabels(9, 1);
const std::vector<int> kRankedOrder{3, 7, 2, 8, 4, 5, 6};

std::vector<int> indices(const std::vector<Disagreement>& ds) {
    std::vector<int> out;
    for (const auto& d : ds) out.push_back(d.index);
    return out;
}

// A scan answer built by hand: 9 distinct grey images, classes T-shirt..Dress.
ScanResult handMadeScan(const QString& corruption = "contrast", int severity = 2) {
    ScanResult r;
    r.request.count = 9;
    r.request.corruption = corruption;
    r.request.severity = severity;
    r.request.names = kNames;
    r.samples.class_names = {"T-shirt", "Trouser", "Pullover", "Dress"};
    r.samples.mean = {0.5};
    r.samples.std = {0.5};
    for (int i = 0; i < 9; ++i) {
        r.samples.images.push_back(cv::Mat(28, 28, CV_8UC1, cv::Scalar(20 * i)));
        r.corrupted.push_back(cv::Mat(28, 28, CV_8UC1, cv::Scalar(255 - 20 * i)));
    }
    r.samples.labels = kLabels;
    r.predictions = kPredictions;
    r.seconds = 0.25;
    return r;
}

// Null sink for the tiny training runs.
class Quiet : public tpgm::EventSink {};

}  // namespace

class TestDisagreementGallery : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

  private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        QStandardPaths::setTestModeEnabled(true);
    }

    void rankingOrdersByKindThenFewestRight() {
        const auto ranked = rank_disagreements(kPredictions, kLabels);
        QCOMPARE(indices(ranked), kRankedOrder);
        QCOMPARE(ranked[0].kind, SplitKind::LastRight);
        QCOMPARE(ranked[0].right, (std::vector<bool>{false, false, true}));
        QCOMPARE(ranked[2].right, (std::vector<bool>{true, false, true}));
        QCOMPARE(ranked[3].kind, SplitKind::PreviousRight);
        QCOMPARE(ranked[5].kind, SplitKind::OtherSplit);
        QCOMPARE(ranked[6].kind, SplitKind::AllWrongDifferent);
        QCOMPARE(ranked[6].right, (std::vector<bool>{false, false, false}));
        QCOMPARE(count_by_kind(ranked), (std::vector<int>{3, 2, 1, 1}));
    }

    void rankingCoversEveryThreeColumnSplit() {
        // Every prediction triple over classes {0, 1, 2} with label 0: 27 rows, 3 of them agree;
        // each kind holds 6 (counted by hand: see the comments).
        std::vector<std::vector<int>> predictions;
        for (int a = 0; a < 3; ++a)
            for (int b = 0; b < 3; ++b)
                for (int c = 0; c < 3; ++c) predictions.push_back({a, b, c});
        const auto ranked = rank_disagreements(predictions, std::vector<int>(27, 0));
        QCOMPARE(ranked.size(), size_t(24));
        // LastRight: c = 0, b != 0 (3 x 2). PreviousRight: b = 0, c != 0 (3 x 2). OtherSplit:
        // b = c = 0, a != 0 (2), or b, c wrong and a = 0 (4). All wrong: 8 triples of {1, 2}
        // minus 111 and 222.
        QCOMPARE(count_by_kind(ranked), (std::vector<int>{6, 6, 6, 6}));
        for (size_t i = 0; i < ranked.size(); ++i) {
            const auto& row = predictions[ranked[i].index];
            QVERIFY(!(row[0] == row[1] && row[1] == row[2]));
            const bool last = row[2] == 0, previous = row[1] == 0;
            const SplitKind expected = last && !previous     ? SplitKind::LastRight
                                       : previous && !last   ? SplitKind::PreviousRight
                                       : last || row[0] == 0 ? SplitKind::OtherSplit
                                                             : SplitKind::AllWrongDifferent;
            QCOMPARE(ranked[i].kind, expected);
            if (i > 0) {  // ranked: kind, then fewest right, then index
                const auto& p = ranked[i - 1];
                const auto rights = [](const Disagreement& d) {
                    return std::count(d.right.begin(), d.right.end(), true);
                };
                QVERIFY(std::make_tuple(int(p.kind), rights(p), p.index) <
                        std::make_tuple(int(ranked[i].kind), rights(ranked[i]), ranked[i].index));
            }
        }
        // The first LastRight entries have only the last column right: (1|2, 1|2, 0).
        for (int i = 0; i < 4; ++i)
            QCOMPARE(ranked[i].right, (std::vector<bool>{false, false, true}));
    }

    void rankingEdgeCases() {
        QVERIFY(rank_disagreements({}, {}).empty());
        QVERIFY(rank_disagreements({{1}, {2}}, {1, 1}).empty());  // one column: nothing to compare
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, rank_disagreements({{1, 2}}, {1, 1}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 rank_disagreements({{1, 2}, {1, 2, 3}}, {1, 1}));
        // Two columns: the "previous" column is the first.
        const auto two = rank_disagreements({{0, 1}, {1, 0}, {2, 3}, {4, 4}}, {1, 1, 1, 1});
        QCOMPARE(indices(two), (std::vector<int>{0, 1, 2}));
        QCOMPARE(two[0].kind, SplitKind::LastRight);
        QCOMPARE(two[1].kind, SplitKind::PreviousRight);
        QCOMPARE(two[2].kind, SplitKind::AllWrongDifferent);
    }

    void filterAndCaptions() {
        const auto ranked = rank_disagreements(kPredictions, kLabels);
        QCOMPARE(indices(filter_disagreements(ranked, std::nullopt)), kRankedOrder);
        QCOMPARE(indices(filter_disagreements(ranked, SplitKind::LastRight)),
                 (std::vector<int>{3, 7, 2}));
        QCOMPARE(indices(filter_disagreements(ranked, SplitKind::PreviousRight)),
                 (std::vector<int>{8, 4}));
        QCOMPARE(indices(filter_disagreements(ranked, SplitKind::AllWrongDifferent)),
                 (std::vector<int>{6}));
        QCOMPARE(split_marks({false, false, true}, kNames), QString("TPGM ✓ FT ✗ LP ✗"));
        QCOMPARE(split_marks({true, false, false}, kNames), QString("TPGM ✗ FT ✗ LP ✓"));
        QCOMPARE(split_title(SplitKind::LastRight, kNames), QString("TPGM ✓ FT ✗"));
        QCOMPARE(split_title(SplitKind::PreviousRight, kNames), QString("FT ✓ TPGM ✗"));
        QCOMPARE(split_title(SplitKind::LastRight, {"LP", "TPGM"}), QString("TPGM ✓ LP ✗"));
    }

    void galleryShowsInjectedScan() {
        DisagreementGallery g;
        g.resize(900, 300);
        g.show();
        QVERIFY(QTest::qWaitForWindowExposed(&g));
        QCOMPARE(g.entryCount(), 0);
        ScanResult scan = handMadeScan();
        g.setRequest(scan.request);
        g.setCount(9);
        g.setResult(scan);
        QCOMPARE(g.entryCount(), 7);
        for (int e = 0; e < 7; ++e) QCOMPARE(g.entrySample(e), kRankedOrder[e]);
        QCOMPARE(g.entryCaption(0), QString("Trouser\nTPGM ✓ FT ✗ LP ✗"));
        QCOMPARE(g.entryCaption(3), QString("Trouser\nTPGM ✗ FT ✓ LP ✗"));
        QVERIFY2(g.summaryText().contains("7 of 9"), qPrintable(g.summaryText()));
        auto* list = g.findChild<QListWidget*>("disagreementList");
        QVERIFY(!list->item(0)->icon().isNull());
        QVERIFY(list->item(6)->toolTip().contains("TPGM: Dress ✗"));  // class 3
        auto* filter = g.findChild<QComboBox*>("disagreementFilter");
        QCOMPARE(filter->count(), 1 + kSplitKinds);
        QCOMPARE(filter->itemText(1), QString("TPGM ✓ FT ✗ (3)"));
        g.setFilter(int(SplitKind::LastRight));
        QCOMPARE(g.entryCount(), 3);
        g.setFilter(int(SplitKind::AllWrongDifferent));
        QCOMPARE(g.entryCount(), 1);
        QCOMPARE(g.entrySample(0), 6);
        g.setFilter(-1);
        QCOMPARE(g.entryCount(), 7);

        // A click names the test image.
        QSignalSpy activated(&g, &DisagreementGallery::sampleActivated);
        const QRect rect = list->visualItemRect(list->item(1));
        QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, rect.center());
        QVERIFY(!activated.isEmpty());
        QCOMPARE(activated.last().at(0).toInt(), 7);

        // Changed settings mark the scan stale; nothing is recomputed.
        auto* stale = g.findChild<QLabel*>("disagreementStale");
        QVERIFY(!g.isStale());
        QVERIFY(!stale->isVisible());
        ScanRequest other = scan.request;
        other.severity = 5;
        g.setRequest(other);
        QVERIFY(g.isStale());
        QVERIFY(stale->isVisible());
        QCOMPARE(g.entryCount(), 7);
        g.setRequest(scan.request);
        QVERIFY(!g.isStale());
        g.setCount(300);
        QVERIFY(g.isStale());

        // Fewer than two runs: no scan, and the reason is shown.
        QVERIFY(!g.startScan());
        QVERIFY(!g.isScanning());
        QVERIFY2(g.summaryText().contains("at least two runs"), qPrintable(g.summaryText()));
    }

    void clickShowsTheSampleInThePanel() {
        RobustnessPanel panel;
        DisagreementGallery* g = panel.gallery();
        QVERIFY(g);
        g->setCount(9);
        g->setResult(handMadeScan("contrast", 2));
        QVERIFY(g->isStale());  // the panel starts on fog 3
        QCOMPARE(panel.currentSample(), -1);
        auto* list = g->findChild<QListWidget*>("disagreementList");
        list->setCurrentRow(2);  // test image 2
        QCOMPARE(panel.currentSample(), 2);
        QCOMPARE(panel.findChild<QComboBox*>("corruption")->currentData().toString(),
                 QString("contrast"));
        QCOMPARE(panel.findChild<QSlider*>("severity")->value(), 2);
        QCOMPARE(g->request().corruption, QString("contrast"));  // the panel's settings now
        QCOMPARE(g->request().severity, 2);
        QVERIFY(g->isStale());  // still: the scan had three runs, the panel has none
        bool named = false;
        for (auto* label : panel.findChildren<QLabel*>())
            named = named || label->text().contains("Test image 2 · true class: <b>Trouser");
        QVERIFY(named);
        emit list->itemClicked(list->item(6));  // test image 6
        QCOMPARE(panel.currentSample(), 6);
    }

    void realScanAgreesWithThePanel() {
        QVERIFY2(fashion_mnist_available(),
                 "Debian's dataset-fashion-mnist is not installed (packaging/install-deps.sh "
                 "installs it)");
        const QString cache = tmp_.filePath("cache");
        QStringList runs;
        for (const char* method : {"lp", "tpgm"}) {
            tpgm::RunConfig c =
                tiny_demo_config(cache.toStdString(), tmp_.filePath(method).toStdString());
            c.method = method;
            c.epochs = 1;
            Quiet sink;
            tpgm::RunControl control;
            QCOMPARE(run_training(c, sink, control).status, tpgm::RunStatus::Completed);
            runs << tmp_.filePath(method);
        }
        RobustnessPanel panel;
        panel.setDemoConfig(tiny_demo_config(cache.toStdString(), "unused").demo);
        panel.setRunFolder(0, runs[0]);
        panel.setRunFolder(2, runs[1]);
        panel.setCorruption("gaussian_noise", 5);
        DisagreementGallery* g = panel.gallery();
        g->setCount(120);
        QSignalSpy ended(g, &DisagreementGallery::scanEnded);
        QVERIFY(g->startScan());
        QVERIFY(g->isScanning());
        QVERIFY(!g->startScan());  // one at a time
        QVERIFY(ended.wait(60000));
        QVERIFY2(g->result().error.isEmpty(), qPrintable(g->result().error));
        QCOMPARE(g->result().predictions.size(), size_t(120));
        QCOMPARE(g->result().request.names, (QStringList{"LP", "TPGM"}));
        QVERIFY(!g->isStale());
        qInfo("tiny scan: %d of 120 disagree, %.2f s", g->entryCount(), g->result().seconds);

        // The panel predicts each shown sample one at a time: its top-1 is the scan's, on the
        // first entries and on the first test images (which need not disagree).
        const auto& names = g->result().samples.class_names;
        std::vector<int> check{0, 1, 2};
        for (int e = 0; e < std::min(g->entryCount(), 5); ++e) check.push_back(g->entrySample(e));
        for (int index : check) {
            panel.showSample(index);
            QCOMPARE(panel.currentSample(), index);
            for (int c = 0; c < 2; ++c) {
                const QString top = panel.topPrediction(c == 0 ? 0 : 2);
                const QString expected =
                    QString::fromStdString(names[g->result().predictions[index][c]]);
                QVERIFY2(top == expected || top == "✔ " + expected,
                         qPrintable(top + " vs " + expected));
            }
        }

        // A changed severity makes it stale; a cancelled rescan keeps the old result.
        panel.setCorruption("gaussian_noise", 4);
        QVERIFY(g->isStale());
        const size_t before = g->result().predictions.size();
        QSignalSpy ends(g->job(), &BackgroundJob::finished);
        QVERIFY(g->startScan());
        g->findChild<QPushButton*>("cancelDisagreements")->click();
        QVERIFY(ended.wait(60000));
        VERIFY_CANCELLED(ends, *g->job(), 0);
        QVERIFY(!g->isScanning());
        QVERIFY(g->findChild<QPushButton*>("findDisagreements")->isEnabled());  // idle again
        QVERIFY2(g->summaryText().contains("cancelled"), qPrintable(g->summaryText()));
        QCOMPARE(g->result().predictions.size(), before);
        QVERIFY(g->isStale());
    }

    // The panel's sample load (a first demo build takes about 30 s) is cancelled the same way:
    // no samples, the panel idle, and a later load works.
    void sampleLoadCancels() {
        QVERIFY2(fashion_mnist_available(),
                 "Debian's dataset-fashion-mnist is not installed (packaging/install-deps.sh "
                 "installs it)");
        RobustnessPanel panel;
        panel.setDemoConfig(tiny_demo_config(tmp_.filePath("cache").toStdString(), "unused").demo);
        QSignalSpy ready(&panel, &RobustnessPanel::samplesReady);
        QSignalSpy ends(panel.sampleJob(), &BackgroundJob::finished);
        panel.loadSamples();
        QVERIFY(panel.loadingSamples());
        panel.cancelLoading();
        VERIFY_CANCELLED(ends, *panel.sampleJob(), 60000);
        QVERIFY(!panel.loadingSamples());
        QVERIFY(!panel.samplesLoaded());
        QCOMPARE(ready.count(), 0);
        panel.loadSamples();
        QVERIFY(ready.wait(60000));
        QVERIFY(panel.samplesLoaded());
    }

    void timeDemoScan() {
        const QString root = qEnvironmentVariable("TPGM_GALLERY_RUNS");
        if (root.isEmpty()) QSKIP("set TPGM_GALLERY_RUNS to time a scan of the demo runs");
        const QString config =
            qEnvironmentVariable("TPGM_GALLERY_CONFIG", SOURCE_DIR "/resources/configs/demo.yaml");
        ScanRequest request;
        request.demo = tpgm::load_config_file(config.toStdString()).demo;
        request.count = 300;
        request.corruption = "fog";
        request.severity = 3;
        for (const char* m : {"lp", "ft", "tpgm"}) {
            request.names << QString(m).toUpper();
            request.checkpoints << root + "/" + m + "-seed0/checkpoints/final.pt";
        }
        const tpgm::RunControl control;
        const ScanResult r = run_disagreement_scan(request, {}, control);
        QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
        const auto ranked = rank_disagreements(r.predictions, r.samples.labels);
        qInfo(
            "batched scan, 300 images x 3 runs (fog 3): %.2f s (%.2f s loading the runs and "
            "predicting); %d disagree, by kind %d/%d/%d/%d",
            r.seconds, r.predictSeconds, int(ranked.size()), count_by_kind(ranked)[0],
            count_by_kind(ranked)[1], count_by_kind(ranked)[2], count_by_kind(ranked)[3]);
        // The same predictions one image at a time, for comparison.
        QElapsedTimer clock;
        clock.start();
        for (int c = 0; c < 3; ++c) {
            const tpgm::facade::RunPredictor model(request.checkpoints[c].toStdString());
            for (size_t i = 0; i < r.corrupted.size(); ++i) {
                const auto top = model.top_k(r.corrupted[i], r.corrupted[i].cols, r.samples.mean,
                                             r.samples.std, r.samples.class_names, 1);
                QCOMPARE(top.at(0).label, r.predictions[i][c]);
            }
        }
        qInfo("one image at a time: %.2f s", clock.nsecsElapsed() * 1e-9);
    }
};

int main(int argc, char** argv) {
    tpgm::facade::prepare_process();
    QApplication app(argc, argv);
    initUiResources();
    TestDisagreementGallery test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_disagreement_gallery.moc"
