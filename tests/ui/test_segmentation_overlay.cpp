// SPDX-License-Identifier: GPL-3.0-or-later
// The Segmentation tab's overlay: opacity and class toggles change exactly the pixels they
// should, 255 is never drawn, VOC's palette is VOC's; the tab's panel on the demo's scenes and
// on the predictions of a trained segmentation run, and a prediction cancelled.
#include "engine/trainer.h"
#include "facade/run_segmenter.h"
#include "job_checks.h"
#include "tiny_demo.h"
#include "ui/background_segmenter.h"
#include "ui/segmentation_overlay.h"
#include "ui/segmentation_panel.h"

#include <QCheckBox>
#include <QTemporaryDir>
#include <filesystem>

#include <QtTest/QtTest>

using namespace tpgm::ui;

namespace {

// A 4x2 grey image (value 100) and labels 0 1 2 255 / 1 1 0 2.
std::pair<QImage, QImage> sample() {
    QImage image(4, 2, QImage::Format_RGB32);
    image.fill(qRgb(100, 100, 100));
    QImage labels(4, 2, QImage::Format_Grayscale8);
    const uchar rows[2][4] = {{0, 1, 2, 255}, {1, 1, 0, 2}};
    for (int y = 0; y < 2; ++y) std::copy(rows[y], rows[y] + 4, labels.scanLine(y));
    return {image, labels};
}

}  // namespace

class TestSegmentationOverlay : public QObject {
    Q_OBJECT

  private slots:
    void vocPalette() {
        const auto p = voc_palette(21);
        QCOMPARE(p[0], QColor(0, 0, 0));
        QCOMPARE(p[1], QColor(128, 0, 0));
        QCOMPARE(p[2], QColor(0, 128, 0));
        QCOMPARE(p[15], QColor(192, 128, 128));  // person
        QCOMPARE(p[20], QColor(0, 64, 128));     // tv/monitor
    }

    void opacityBlendsTheClassColour() {
        const auto [image, labels] = sample();
        SegmentationOverlay w;
        w.setPalette(voc_palette(3));
        w.setImage(image, labels);
        w.setOpacity(0.5);
        QCOMPARE(w.composed().pixel(1, 0), qRgb(114, 50, 50));    // (100 + 128) / 2, 100 / 2
        QCOMPARE(w.composed().pixel(0, 0), qRgb(50, 50, 50));     // background black, half
        QCOMPARE(w.composed().pixel(3, 0), qRgb(100, 100, 100));  // 255: never drawn
        w.setOpacity(0);
        QCOMPARE(w.composed(), image.convertToFormat(QImage::Format_RGB32));
        w.setOpacity(1);
        QCOMPARE(w.composed().pixel(3, 1), qRgb(0, 128, 0));  // label 2 at full opacity
    }

    void hiddenClassesShowTheImage() {
        const auto [image, labels] = sample();
        SegmentationOverlay w;
        w.setPalette(voc_palette(3));
        w.setImage(image, labels);
        w.setOpacity(1);
        const QImage before = w.composed();
        w.setClassVisible(1, false);
        for (int y = 0; y < 2; ++y)
            for (int x = 0; x < 4; ++x) {
                const bool one = qGray(labels.pixel(x, y)) == 1;
                QCOMPARE(w.composed().pixel(x, y), one ? qRgb(100, 100, 100) : before.pixel(x, y));
            }
        w.setClassVisible(1, true);
        QCOMPARE(w.composed(), before);
    }

    void mismatchedLabelsShowOnlyTheImage() {
        const auto [image, labels] = sample();
        SegmentationOverlay w;
        w.setPalette(voc_palette(3));
        w.setImage(image, labels.scaled(8, 4));
        w.setOpacity(1);
        QCOMPARE(w.composed(), image.convertToFormat(QImage::Format_RGB32));
    }

    void paintsScaledWithoutBlur() {
        const auto [image, labels] = sample();
        SegmentationOverlay w;
        w.setPalette(voc_palette(3));
        w.setImage(image, labels);
        w.setOpacity(1);
        w.resize(400, 200);
        const QImage shot = w.grab().toImage();
        // The 4x2 image fills 400x200: label 2 at pixel (2, 0) covers x 200-299, y 0-99.
        QCOMPARE(shot.pixel(250, 50), qRgb(0, 128, 0));
        QCOMPARE(shot.pixel(201, 1), qRgb(0, 128, 0));
        QCOMPARE(shot.pixel(150, 150), qRgb(128, 0, 0));
    }

    void panelShowsTheDemoScenes() {
        const tpgm::DemoConfig demo;
        QVERIFY2(std::filesystem::exists(demo.fashion_mnist_dir + "/t10k-images-idx3-ubyte.gz"),
                 "Debian's dataset-fashion-mnist is not installed (packaging/install-deps.sh "
                 "installs it)");
        SegmentationPanel panel;
        panel.setDemoConfig(demo);
        QVERIFY(panel.loadScenes());
        QCOMPARE(panel.legendSize(), 11);  // background + 10 Fashion-MNIST classes
        QCOMPARE(panel.legendBox(1)->text(), QString("T-shirt/top"));
        const QImage shown = panel.truth()->composed();
        QVERIFY(!shown.isNull());
        // The opacity slider and the legend's boxes change what is drawn.
        panel.setOpacityPercent(0);
        const QImage plain = panel.truth()->composed();
        QVERIFY(plain != shown);
        panel.setOpacityPercent(100);
        const QImage full = panel.truth()->composed();
        for (int k = 1; k < panel.legendSize(); ++k) panel.legendBox(k)->setChecked(false);
        panel.legendBox(0)->setChecked(false);
        QCOMPARE(panel.truth()->composed(), plain);  // every class hidden: the image alone
        panel.legendBox(0)->setChecked(true);
        QVERIFY(panel.truth()->composed() != plain);
        // Parts: background and three thirds.
        panel.setParts(true);
        QCOMPARE(panel.legendSize(), 4);
        QCOMPARE(panel.legendBox(3)->text(), QString("lower"));
        QVERIFY(full != panel.truth()->composed());
        // Another scene, another image.
        const QImage first = panel.truth()->composed();
        panel.showScene(5);
        QVERIFY(panel.truth()->composed() != first);
    }

    void panelShowsARunsPredictions() {
        QVERIFY2(fashion_mnist_available(),
                 "Debian's dataset-fashion-mnist is not installed (packaging/install-deps.sh "
                 "installs it)");
        QTemporaryDir tmp;
        const std::string run = tmp.filePath("seg").toStdString();
        const tpgm::RunConfig c = tiny_seg_demo_config(tmp.filePath("cache").toStdString(), run);
        tpgm::EventSink quiet;
        tpgm::RunControl control;
        QCOMPARE(run_training(c, quiet, control).status, tpgm::RunStatus::Completed);
        SegmentationPanel panel;
        panel.setDemoConfig(c.demo);
        QVERIFY(!panel.setRunFolder(1, tmp.filePath("nothing-here")));  // refused, with a reason
        QVERIFY(panel.status().contains("nothing-here"));
        QVERIFY(panel.setRunFolder(2, QString::fromStdString(run)));
        // The run's own test scenes (48 px), not the demo's, and its prediction drawn on them
        // once the worker thread has made it.
        QVERIFY(panel.loadScenes());
        QCOMPARE(panel.truth()->composed().width(), 48);
        QTRY_VERIFY(!panel.predicting());
        const QImage predicted = panel.prediction(2)->composed();
        QCOMPARE(predicted.size(), QSize(48, 48));
        QVERIFY(panel.prediction(0)->composed().isNull());  // no run in that column
        // Opacity and the legend act on the prediction too (the model predicts some class).
        panel.setOpacityPercent(0);
        const QImage plain = panel.prediction(2)->composed();
        panel.setOpacityPercent(100);
        for (int k = 0; k < panel.legendSize(); ++k) panel.legendBox(k)->setChecked(true);
        QVERIFY(panel.prediction(2)->composed() != plain);
        for (int k = 0; k < panel.legendSize(); ++k) panel.legendBox(k)->setChecked(false);
        QCOMPARE(panel.prediction(2)->composed(), plain);
        // A corruption changes what the run sees, not the ground truth's image.
        const QImage truth = panel.truth()->composed(), input = panel.input()->composed();
        panel.setCorruption("gaussian_noise", 5);
        QTRY_VERIFY(!panel.predicting());
        QCOMPARE(panel.truth()->composed(), truth);
        QVERIFY(panel.input()->composed() != input);
        QVERIFY(panel.prediction(2)->composed() != plain);
        // An opened image replaces the scene; the run predicts it at its own size.
        QImage own(30, 20, QImage::Format_RGB32);
        own.fill(qRgb(200, 40, 40));
        const QString file = tmp.filePath("own.png");
        QVERIFY(own.save(file));
        QVERIFY(panel.openImage(file));
        QTRY_VERIFY(!panel.predicting());
        QCOMPARE(panel.prediction(2)->composed().size(), QSize(30, 20));
        QVERIFY(!panel.openImage(tmp.filePath("missing.png")));
        // Scenes flipped through faster than the run predicts: requests made meanwhile are
        // coalesced, and what finally shows is the last scene's label map.
        panel.setCorruption("", 1);
        for (int scene = 0; scene < 6; ++scene) panel.showScene(scene);
        QVERIFY(panel.predicting());
        QTRY_VERIFY(!panel.predicting());
        const tpgm::facade::RunSegmenter direct(run);
        const cv::Mat expected =
            direct.segment(tpgm::facade::load_run_test_scenes(run, 6).images[5]);
        const QImage& shown = panel.prediction(2)->labels();
        QCOMPARE(shown.size(), QSize(expected.cols, expected.rows));
        for (int y = 0; y < expected.rows; ++y)
            QVERIFY(std::equal(expected.ptr<uchar>(y), expected.ptr<uchar>(y) + expected.cols,
                               shown.constScanLine(y)));

        // Cancel, as for every background task: the running prediction's job ends as
        // cancelled, it and the waiting one are never shown, and the column is idle.
        BackgroundSegmenter segmenter;
        int answers = 0;
        connect(&segmenter, &BackgroundSegmenter::predicted, this, [&answers] { ++answers; });
        QSignalSpy ends(segmenter.job(), &BackgroundJob::finished);
        const auto model = std::make_shared<const tpgm::facade::RunSegmenter>(run);
        const cv::Mat scene = tpgm::facade::load_run_test_scenes(run, 1).images[0];
        segmenter.request(model, scene);
        segmenter.request(model, scene);  // waits for the first
        QVERIFY(segmenter.busy());
        segmenter.cancel();
        VERIFY_CANCELLED(ends, *segmenter.job(), 30000);
        QVERIFY(!segmenter.busy());
        QTest::qWait(50);
        QCOMPARE(answers, 0);
        segmenter.request(model, scene);  // and it predicts again
        QTRY_COMPARE_WITH_TIMEOUT(answers, 1, 30000);
    }
};

QTEST_MAIN(TestSegmentationOverlay)
#include "test_segmentation_overlay.moc"
