// SPDX-License-Identifier: GPL-3.0-or-later
// A classification run on image files a user brings (facade::RunClassifier, tpgm-cli predict):
// read as the run's evaluation reads its own images (RGB, shorter side to size * 8/7, centre
// crop), named by the run's classes, and refused clearly when the run cannot classify.
#include "cli_runner.h"

#include "checkpoints/checkpoint.h"
#include "config/config_schema.h"
#include "data/image_convert.h"
#include "data/image_set.h"
#include "facade/run_classifier.h"
#include "models/registry.h"
#include "runs/run_paths.h"

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <torch/torch.h>

#include <filesystem>
#include <fstream>

using namespace tpgm;
namespace fs = std::filesystem;

namespace {

constexpr int kSide = 64;  // the run's images.size

// A 300 x 200 BGR photograph stand-in whose red and blue differ everywhere (so that a channel
// swap changes what the model sees) and whose left and right differ (so that a stretch instead
// of a crop does too).
cv::Mat photograph() {
    cv::Mat image(200, 300, CV_8UC3);
    for (int y = 0; y < image.rows; ++y)
        for (int x = 0; x < image.cols; ++x)
            image.at<cv::Vec3b>(y, x) = {static_cast<uchar>(x * 255 / 299), 90,
                                         static_cast<uchar>(255 - y)};
    return image;
}

bool same(const cv::Mat& a, const cv::Mat& b) {
    return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

}  // namespace

class TestRunClassifier : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::string run_, image_;

  private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const fs::path root(dir_.path().toStdString());
        // A folders run as a user's would look: class folders, a config, a final checkpoint.
        for (const char* name : {"cat", "dog", "owl"})
            fs::create_directories(root / "train" / name);
        image_ = (root / "photo.png").string();
        QVERIFY(cv::imwrite(image_, photograph()));
        for (const char* name : {"cat", "dog", "owl"})
            fs::copy_file(image_, root / "train" / name / "a.png");
        run_ = (root / "run").string();
        fs::create_directories(RunPaths(run_).checkpoints());
        torch::manual_seed(3);
        const ModelSpec spec{"resnet18", 3, 3};
        auto model = create_model(spec);
        model->eval();
        save_checkpoint(RunPaths(run_).final_checkpoint(), spec, *model);
        RunConfig config;
        config.method = "ft";
        config.model = "resnet18";
        config.data = "folders";
        config.pretrained = RunPaths(run_).final_checkpoint();
        config.folders.train = config.folders.test = (root / "train").string();
        config.images.size = kSide;
        config.run_dir = run_;
        std::ofstream(RunPaths(run_).config()) << to_yaml(config);
    }

    void evalCropIsTheFileSetsOwn() {
        ImageList list;
        list.root = dir_.path().toStdString();
        list.classes = {"any"};
        list.samples = {{image_, 0}};
        FileSetOptions options;
        options.size = kSide;
        const auto set = make_file_set(list, {"photo"}, options);
        const torch::Tensor loaded = set->load({0}, Transform::Eval, 0).images[0];
        cv::Mat rgb;
        cv::cvtColor(cv::imread(image_, cv::IMREAD_COLOR), rgb, cv::COLOR_BGR2RGB);
        QVERIFY(torch::equal(mat_to_tensor(file_set_eval_crop(rgb, kSide)), loaded));
    }

    void loaderOrderNeverWritesTheCallersImage() {
        // A BGR image keeps its channel count, the conversion that once ran in place on the
        // caller's pixels (tpgm-cli predict then drew its overlay on a swapped image).
        const cv::Mat bgr = photograph();
        const cv::Mat before = bgr.clone();
        const cv::Mat rgb = loader_order(bgr, 3);
        QVERIFY(same(bgr, before));
        QCOMPARE(rgb.at<cv::Vec3b>(10, 20)[0], bgr.at<cv::Vec3b>(10, 20)[2]);
        QCOMPARE(rgb.at<cv::Vec3b>(10, 20)[2], bgr.at<cv::Vec3b>(10, 20)[0]);
        cv::Mat bgra, grey;
        cv::cvtColor(bgr, bgra, cv::COLOR_BGR2BGRA);
        QVERIFY(same(loader_order(bgra, 3), rgb));
        cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
        QVERIFY(same(loader_order(bgr, 1), grey));
        QVERIFY(same(loader_order(bgra, 1), grey));
        QCOMPARE(loader_order(grey, 3).channels(), 3);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, loader_order(cv::Mat(4, 4, CV_8UC2), 3));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, loader_order(bgr, 2));
    }

    void readsImagesAsTheRunsEvaluation() {
        const facade::RunClassifier classifier(run_);
        QCOMPARE(classifier.checkpoint(), RunPaths(run_).final_checkpoint());
        QCOMPARE(classifier.class_names(), (std::vector<std::string>{"cat", "dog", "owl"}));
        const cv::Mat bgr = cv::imread(image_, cv::IMREAD_COLOR);
        cv::Mat rgb;
        cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
        const cv::Mat input = classifier.model_input(bgr);
        QVERIFY(same(input, file_set_eval_crop(rgb, kSide)));
        // Grey and BGRA files of the same picture are read as the loaders read them.
        cv::Mat bgra, grey, grey_rgb;
        cv::cvtColor(bgr, bgra, cv::COLOR_BGR2BGRA);
        QVERIFY(same(classifier.model_input(bgra), input));
        cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
        cv::cvtColor(grey, grey_rgb, cv::COLOR_GRAY2RGB);
        QVERIFY(same(classifier.model_input(grey), file_set_eval_crop(grey_rgb, kSide)));
        // The top classes are the model's on that input: all three, probabilities summing to 1,
        // and not those of the channel-swapped or stretched reading the CLI used to make.
        const facade::RunPredictor plain(RunPaths(run_).final_checkpoint());
        const auto config = load_config_file(RunPaths(run_).config());
        const auto top = classifier.top_k(bgr, 5);
        QCOMPARE(top.size(), std::size_t{3});
        const auto expected = plain.top_k(input, kSide, config.images.mean, config.images.std,
                                          classifier.class_names(), 5);
        double total = 0;
        for (std::size_t i = 0; i < top.size(); ++i) {
            QCOMPARE(top[i].label, expected[i].label);
            QCOMPARE(top[i].name, expected[i].name);
            QCOMPARE(top[i].probability, expected[i].probability);
            total += top[i].probability;
        }
        QVERIFY(std::abs(total - 1) < 1e-5);
        cv::Mat stretched;
        cv::resize(bgr, stretched, cv::Size(kSide, kSide), 0, 0, cv::INTER_AREA);
        const auto old = plain.top_k(stretched, kSide, config.images.mean, config.images.std,
                                     classifier.class_names(), 5);
        double differs = 0;
        for (const auto& p : old)
            for (const auto& q : top)
                if (p.label == q.label)
                    differs = std::max(differs, std::abs(p.probability - q.probability));
        QVERIFY2(differs > 1e-4, "the test image does not tell the readings apart");
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, classifier.top_k(cv::Mat()));
    }

    void cliPrintsTheTopClasses() {
        const CliResult r = run_cli(
            {"predict", "--run", QString::fromStdString(run_), QString::fromStdString(image_)});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const auto top = facade::RunClassifier(run_).top_k(cv::imread(image_, cv::IMREAD_COLOR), 1);
        QVERIFY2(r.out.contains(QString("1. %1").arg(QString::fromStdString(top[0].name))),
                 qPrintable(r.out));
        QVERIFY2(r.out.contains("checkpoint:"), qPrintable(r.out));
    }

    void refusesWhatItCannotClassify() {
        const auto message = [](const std::string& dir) -> std::string {
            try {
                facade::RunClassifier c(dir);
            } catch (const std::runtime_error& e) {
                return e.what();
            }
            return {};
        };
        const std::string missing = dir_.filePath("nowhere").toStdString();
        QVERIFY(message(missing).find("no run folder") != std::string::npos);
        const std::string segmentation = dir_.filePath("seg").toStdString();
        fs::create_directories(segmentation);
        RunConfig seg;
        seg.model = "demo_fcn";
        seg.data = "seg_demo";
        seg.run_dir = segmentation;
        std::ofstream(RunPaths(segmentation).config()) << to_yaml(seg);
        QVERIFY2(message(segmentation).find("segmentation run") != std::string::npos,
                 message(segmentation).c_str());
    }
};

QTEST_MAIN(TestRunClassifier)
#include "test_run_classifier.moc"
