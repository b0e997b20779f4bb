// SPDX-License-Identifier: GPL-3.0-or-later
// Segmentation through the torch-free facade and `tpgm-cli predict`: a tiny seg_demo run is
// trained once; RunSegmenter's label maps then agree with the engine's own evaluation of that
// run, classification runs are refused by name, and the CLI writes PNGs and fails cleanly.
#include "cli_runner.h"
#include "tiny_demo.h"

#include "config/config_schema.h"
#include "data/image_convert.h"
#include "data/image_set.h"
#include "data/voc.h"
#include "data/voc_palette.h"
#include "facade/run_segmenter.h"
#include "runs/run_files.h"
#include "runs/run_paths.h"
#include "runs/run_reader.h"
#include "segmentation/metrics.h"

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <opencv2/imgcodecs.hpp>

#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace tpgm;

namespace {

constexpr int kTestScenes = 24;

// uint8 label map [H, W] as an int64 tensor (for the confusion matrix).
torch::Tensor label_tensor(const cv::Mat& map) {
    return mat_to_tensor(map).squeeze(0).to(torch::kInt64);
}

// Writes a run folder with just a config (no checkpoint): enough for what is refused early.
std::string config_only_run(const QTemporaryDir& dir, const std::string& name,
                            const RunConfig& config) {
    const std::string run = dir.filePath(QString::fromStdString(name)).toStdString();
    std::filesystem::create_directories(run);
    std::ofstream(RunPaths(run).config()) << to_yaml(config);
    return run;
}

// The message of what `f` throws as std::runtime_error; "" when it does not throw one.
template <typename F>
std::string runtime_error_of(F f) {
    try {
        f();
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return {};
}

}  // namespace

class TestSegmentationPredict : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    RunConfig config_;
    std::string run_;
    RunSummary summary_;

  private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(fashion_mnist_available(),
                 "Debian's dataset-fashion-mnist is not installed (packaging/install-deps.sh "
                 "installs it)");
        QVERIFY(dir_.isValid());
        run_ = dir_.filePath("seg-run").toStdString();
        config_ = tiny_seg_demo_config(dir_.filePath("cache").toStdString(), run_, kTestScenes);
        // Fine-tuned as a user would: a config file and tpgm-cli finetune.
        const QString yaml = dir_.filePath("seg.yaml");
        std::ofstream(yaml.toStdString()) << to_yaml(config_);
        const CliResult r = run_cli({"finetune", "-c", yaml, "-q"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("mIoU") && r.out.contains("contrast-3"), qPrintable(r.out));
        summary_ = read_run(run_).summary.value();
        QCOMPARE(summary_.status, RunStatus::Completed);
        QVERIFY(summary_.final_top5.count("id"));
    }

    void evalScoresCorruptionsThroughTheCli() {
        const CliResult r = run_cli({"eval", "--run", QString::fromStdString(run_), "--corruptions",
                                     "fog", "--severities", "3"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("corruption x severity mean IoU"), qPrintable(r.out));
        const auto report = read_eval_json(run_);
        QVERIFY(report && report->corruptions);
        const double fog = report->corruptions->top1.at("fog").at(0);
        QVERIFY(fog >= 0 && fog <= 1);
        // The clean cell is the run's own ID test score: the same scenes and metric.
        QVERIFY(std::abs(report->corruptions->clean - summary_.final_top1.at("id")) < 1e-9);
    }

    void perClassIoUReachesTheRunFolderAndTheCli() {
        // The summary's per-class IoU averages (NaN left out) to the mIoU beside it.
        const ClassIoU& iou = summary_.final_class_iou;
        QCOMPARE(iou.classes.size(), std::size_t{11});
        QCOMPARE(iou.classes.front(), std::string("background"));
        QVERIFY(iou.sets.count("id") && iou.sets.count("contrast-3"));
        for (const auto& [set, values] : iou.sets) {
            QCOMPARE(values.size(), iou.classes.size());
            double sum = 0;
            int scored = 0;
            for (double v : values)
                if (!std::isnan(v)) sum += v, ++scored;
            QVERIFY2(scored > 0 && std::abs(sum / scored - summary_.final_top1.at(set)) < 1e-9,
                     set.c_str());
        }
        // Every evaluation in metrics.jsonl carries it too.
        const auto evals = read_run(run_).evals;
        QVERIFY(!evals.empty());
        for (const auto& e : evals) QVERIFY(e.class_iou.sets.count("id"));
        // tpgm-cli eval --per-class prints the table and writes the same numbers to eval.json.
        const CliResult r = run_cli({"eval", "--run", QString::fromStdString(run_), "--per-class"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("IoU per class") && r.out.contains("background"),
                 qPrintable(r.out));
        const auto report = read_eval_json(run_);
        QVERIFY(report);
        QCOMPARE(report->class_iou.classes, iou.classes);
        const auto& again = report->class_iou.sets.at("id");
        for (std::size_t c = 0; c < again.size(); ++c)
            QVERIFY(std::isnan(again[c]) ? std::isnan(iou.sets.at("id")[c])
                                         : std::abs(again[c] - iou.sets.at("id")[c]) < 1e-9);
    }

    void labelMapsHaveTheImageSize() {
        const facade::RunSegmenter segmenter(run_);
        QCOMPARE(segmenter.checkpoint(), RunPaths(run_).final_checkpoint());
        QCOMPARE(segmenter.in_channels(), 1);
        const auto& names = segmenter.class_names();
        QCOMPARE(names.size(), std::size_t{11});  // background + Fashion-MNIST's ten
        QCOMPARE(names.front(), std::string("background"));
        // Any size and channel count: grey, BGR, BGRA, not square, not the scene size.
        cv::RNG rng(7);
        for (const auto& [rows, cols, type] : std::vector<std::tuple<int, int, int>>{
                 {48, 48, CV_8UC1}, {37, 50, CV_8UC3}, {64, 29, CV_8UC4}}) {
            cv::Mat image(rows, cols, type);
            rng.fill(image, cv::RNG::UNIFORM, 0, 256);
            const cv::Mat map = segmenter.segment(image);
            QCOMPARE(map.type(), CV_8UC1);
            QCOMPARE(map.rows, rows);
            QCOMPARE(map.cols, cols);
            double max = 0;
            cv::minMaxLoc(map, nullptr, &max);
            QVERIFY(max < static_cast<double>(names.size()));
        }
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, segmenter.segment(cv::Mat()));
    }

    void agreesWithTheRunsEvaluation() {
        const facade::DemoScenes scenes = facade::load_run_test_scenes(run_, kTestScenes + 10);
        QCOMPARE(scenes.images.size(), std::size_t{kTestScenes});  // all there are
        QCOMPARE(scenes.masks.size(), std::size_t{kTestScenes});
        const facade::RunSegmenter segmenter(run_);
        QCOMPARE(scenes.class_names, segmenter.class_names());
        ConfusionMatrix confusion(static_cast<int64_t>(scenes.class_names.size()));
        int64_t correct = 0, scored = 0;
        for (std::size_t i = 0; i < scenes.images.size(); ++i) {
            QCOMPARE(scenes.images[i].type(), CV_8UC1);  // the demo's scenes are grey
            QCOMPARE(scenes.images[i].rows, config_.seg.scene_size);
            QCOMPARE(scenes.masks[i].type(), CV_8UC1);
            const cv::Mat predicted = segmenter.segment(scenes.images[i]);
            QCOMPARE(predicted.size(), scenes.masks[i].size());
            for (int y = 0; y < predicted.rows; ++y)
                for (int x = 0; x < predicted.cols; ++x) {
                    const uint8_t truth = scenes.masks[i].at<uint8_t>(y, x);
                    if (truth == kIgnoreLabel) continue;
                    ++scored;
                    correct += predicted.at<uint8_t>(y, x) == truth;
                }
            confusion.add(label_tensor(predicted).unsqueeze(0),
                          label_tensor(scenes.masks[i]).unsqueeze(0));
        }
        QVERIFY(scored > 0);
        // summary.json keeps pixel accuracy in top5 and mean IoU in top1 for segmentation runs.
        const auto summary = read_run(run_).summary;
        QVERIFY(summary.has_value());
        const double pixel_accuracy = static_cast<double>(correct) / scored;
        QVERIFY2(std::abs(pixel_accuracy - summary->final_top5.at("id")) < 1e-9,
                 qPrintable(QString("pixel accuracy %1, the run's %2")
                                .arg(pixel_accuracy, 0, 'g', 17)
                                .arg(summary->final_top5.at("id"), 0, 'g', 17)));
        QVERIFY(std::abs(confusion.mean_iou() - summary->final_top1.at("id")) < 1e-9);
        // A prefix of the scenes is the same prefix.
        const facade::DemoScenes first = facade::load_run_test_scenes(run_, 3);
        QCOMPARE(first.images.size(), std::size_t{3});
        QCOMPARE(cv::norm(first.images[2], scenes.images[2], cv::NORM_INF), 0.0);
        QCOMPARE(cv::norm(first.masks[2], scenes.masks[2], cv::NORM_INF), 0.0);
    }

    void refusesWhatItCannotSegment() {
        RunConfig classification = config_;
        classification.data = "demo";
        classification.model = "demo_resnet";
        const std::string cls = config_only_run(dir_, "cls-run", classification);
        for (const auto& message :
             {runtime_error_of([&] { facade::RunSegmenter s(cls); }),
              runtime_error_of([&] { facade::load_run_test_scenes(cls, 1); })}) {
            QVERIFY2(message.find(cls) != std::string::npos, message.c_str());
            QVERIFY2(message.find("classification run") != std::string::npos, message.c_str());
        }
        const std::string untrained = config_only_run(dir_, "untrained", config_);
        std::string message = runtime_error_of([&] { facade::RunSegmenter s(untrained); });
        QVERIFY2(message.find("no checkpoint") != std::string::npos, message.c_str());
        message = runtime_error_of(
            [&] { facade::RunSegmenter s(dir_.filePath("nowhere").toStdString()); });
        QVERIFY2(message.find("no run folder") != std::string::npos, message.c_str());
        message = runtime_error_of(
            [&] { facade::RunSegmenter s(run_, dir_.filePath("missing.pt").toStdString()); });
        QVERIFY2(message.find("missing.pt") != std::string::npos, message.c_str());
    }

    void cliWritesOverlaysAndMasks() {
        const facade::DemoScenes scenes = facade::load_run_test_scenes(run_, 2);
        const QString a = dir_.filePath("scene_a.png"), b = dir_.filePath("scene_b.png");
        QVERIFY(cv::imwrite(a.toStdString(), scenes.images[0]));
        QVERIFY(cv::imwrite(b.toStdString(), scenes.images[1]));
        const QString run = QString::fromStdString(run_);

        const QString overlay = dir_.filePath("overlay.png");
        CliResult r = run_cli({"predict", "--run", run, a, "-o", overlay});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        // "<image> -> <png> (48x48)", then each class present with its pixel share.
        QVERIFY2(r.out.contains(overlay + " (48x48)"), qPrintable(r.out));
        QVERIFY2(r.out.contains(QRegularExpression("\\n  \\S.* +\\d+\\.\\d%\\n")),
                 qPrintable(r.out));
        const cv::Mat written = cv::imread(overlay.toStdString(), cv::IMREAD_UNCHANGED);
        QCOMPARE(written.rows, scenes.images[0].rows);
        QCOMPARE(written.cols, scenes.images[0].cols);
        QCOMPARE(written.channels(), 3);
        // Background is the image itself; other labels are tinted with their palette colour.
        const facade::RunSegmenter segmenter(run_);
        const cv::Mat labels = segmenter.segment(scenes.images[0]);
        const auto& palette = voc_palette();
        for (int y = 0; y < labels.rows; ++y)
            for (int x = 0; x < labels.cols; ++x) {
                const int grey = scenes.images[0].at<uint8_t>(y, x);
                const cv::Vec3b got = written.at<cv::Vec3b>(y, x);
                const int label = labels.at<uint8_t>(y, x);
                for (int c = 0; c < 3; ++c) {
                    const int expected =
                        label == 0 ? grey : (grey + palette[label][2 - c]) / 2;  // BGR
                    QVERIFY(std::abs(got[c] - expected) <= 1);
                }
            }

        // --mask-only: exactly the palette colours of the facade's label map.
        const QString masks = dir_.filePath("masks");
        r = run_cli({"predict", "-r", run, a, b, "-o", masks, "--mask-only"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        for (int i = 0; i < 2; ++i) {
            const cv::Mat png =
                cv::imread((masks + (i == 0 ? "/scene_a.png" : "/scene_b.png")).toStdString());
            const cv::Mat expected = colorize_voc_mask(segmenter.segment(scenes.images[i]));
            QCOMPARE(png.size(), expected.size());
            QCOMPARE(cv::norm(png, expected, cv::NORM_INF), 0.0);
        }
    }

    void cliFailsCleanly() {
        const QString run = QString::fromStdString(run_);
        const QString out = dir_.filePath("never.png");
        CliResult r = run_cli({"predict", "--run", run, dir_.filePath("absent.png"), "-o", out});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("absent.png"), qPrintable(r.err));
        const QString text = dir_.filePath("not-an-image.png");
        {
            QFile f(text);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("hello");
        }
        r = run_cli({"predict", "--run", run, text, "-o", out});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("cannot read"), qPrintable(r.err));
        const facade::DemoScenes scenes = facade::load_run_test_scenes(run_, 1);
        const QString image = dir_.filePath("scene.png");
        QVERIFY(cv::imwrite(image.toStdString(), scenes.images[0]));
        const std::string untrained = config_only_run(dir_, "untrained-cli", config_);
        r = run_cli({"predict", "--run", QString::fromStdString(untrained), image, "-o", out});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("no checkpoint"), qPrintable(r.err));
        QVERIFY(!QFile::exists(out));
    }
};

QTEST_GUILESS_MAIN(TestSegmentationPredict)
#include "test_segmentation_predict.moc"
