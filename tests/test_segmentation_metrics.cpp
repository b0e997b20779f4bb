// SPDX-License-Identifier: GPL-3.0-or-later
// Segmentation metrics: a 3-class, 3x4 example worked by hand (matrix, IoUs, mIoU, pixel
// accuracy); ignored pixels do not count; a class in neither map is NaN and left out of mIoU, a
// class only predicted scores 0 and counts; a batch equals its images added one by one, and a
// merge equals one accumulation; each kind of bad input throws with a message that names it.
#include "segmentation/metrics.h"

#include <torch/torch.h>
#include <QtTest/QtTest>

#include <cmath>
#include <string>
#include <vector>

using namespace tpgm;

namespace {

torch::Tensor labels(std::vector<int64_t> values, std::vector<int64_t> shape) {
    return torch::tensor(values, torch::kLong).view(shape);
}

// The hand-worked example. Pairs (true, predicted), row by row:
//   (0,0) (0,0) (0,1) (1,1)
//   (1,1) (1,2) (1,1) (2,2)
//   (2,2) (2,0) (0,0) (1,1)
torch::Tensor example_target() {
    return labels({0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 0, 1}, {3, 4});
}
torch::Tensor example_predicted() {
    return labels({0, 0, 1, 1, 1, 2, 1, 2, 2, 0, 0, 1}, {3, 4});
}
torch::Tensor example_matrix() {
    return labels({3, 1, 0, 0, 4, 1, 1, 0, 2}, {3, 3});
}

bool near(double a, double b) {
    return std::abs(a - b) < 1e-12;
}

// The message of the std::invalid_argument that `f` throws, or "" when it throws none.
template <typename F>
std::string invalid_argument_message(F f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Random label maps for `classes` classes, about a tenth of the target pixels ignored (255).
std::pair<torch::Tensor, torch::Tensor> random_maps(std::vector<int64_t> shape, int64_t classes) {
    auto predicted = torch::randint(0, classes, shape, torch::kLong);
    auto target = torch::randint(0, classes, shape, torch::kLong);
    target.masked_fill_(torch::rand(shape).lt(0.1), 255);
    return {predicted, target};
}

}  // namespace

class TestSegmentationMetrics : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    // The numbers below are worked out by hand from the pairs listed above example_target().
    void handWorkedExample() {
        ConfusionMatrix cm(3);
        cm.add(example_predicted(), example_target());
        // Rows true 0, 1, 2; columns predicted 0, 1, 2.
        const auto expected = example_matrix();
        QVERIFY(torch::equal(cm.matrix(), expected));
        QVERIFY(cm.matrix().scalar_type() == torch::kLong);
        QCOMPARE(cm.pixels(), int64_t{12});
        // IoU = TP / (row + column - TP): 3/(4+4-3), 4/(5+5-4), 2/(3+3-2).
        const auto iou = cm.iou();
        QCOMPARE(iou.size(), size_t{3});
        QVERIFY(near(iou[0], 3.0 / 5.0));
        QVERIFY(near(iou[1], 4.0 / 6.0));
        QVERIFY(near(iou[2], 2.0 / 4.0));
        QVERIFY(near(cm.mean_iou(), 53.0 / 90.0));  // (0.6 + 2/3 + 0.5) / 3
        QVERIFY(near(cm.pixel_accuracy(), 9.0 / 12.0));
    }

    // A fifth column of ignored target pixels, whatever their predictions, changes nothing.
    void ignoredPixelsDoNotCount() {
        auto target = torch::cat({example_target(), labels({255, 255, 255}, {3, 1})}, 1);
        auto predicted = torch::cat({example_predicted(), labels({0, 1, 2}, {3, 1})}, 1);
        ConfusionMatrix cm(3);
        cm.add(predicted, target);
        QVERIFY(torch::equal(cm.matrix(), example_matrix()));
        QCOMPARE(cm.pixels(), int64_t{12});
        QVERIFY(near(cm.pixel_accuracy(), 0.75));

        // Another ignore index: 255 is then an out-of-range label, and -1 is skipped.
        ConfusionMatrix other(3, -1);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, other.add(predicted, target));
        other.add(predicted, target.masked_fill(target.eq(255), -1));
        QVERIFY(torch::equal(other.matrix(), example_matrix()));
    }

    // 4 classes: 2 in neither map (NaN, left out of the mean), 3 only predicted (0, counted).
    void absentAndOnlyPredictedClasses() {
        ConfusionMatrix cm(4);
        cm.add(labels({0, 1, 3, 0}, {2, 2}), labels({0, 1, 1, 0}, {2, 2}));
        const auto iou = cm.iou();
        QVERIFY(near(iou[0], 1.0));  // 2 / (2 + 2 - 2)
        QVERIFY(near(iou[1], 0.5));  // 1 / (2 + 1 - 1)
        QVERIFY(std::isnan(iou[2]));
        QVERIFY(near(iou[3], 0.0));         // 0 / (0 + 1 - 0)
        QVERIFY(near(cm.mean_iou(), 0.5));  // (1 + 0.5 + 0) / 3
        QVERIFY(near(cm.pixel_accuracy(), 0.75));
    }

    // Nothing counted: every metric is NaN, not 0. reset() returns there.
    void emptyAndReset() {
        ConfusionMatrix cm(3);
        QCOMPARE(cm.pixels(), int64_t{0});
        QVERIFY(std::isnan(cm.pixel_accuracy()));
        QVERIFY(std::isnan(cm.mean_iou()));
        cm.add(labels({0, 2}, {1, 2}), labels({255, 255}, {1, 2}).to(torch::kByte));
        QCOMPARE(cm.pixels(), int64_t{0});
        cm.add(example_predicted(), example_target());
        QCOMPARE(cm.pixels(), int64_t{12});
        cm.reset();
        QCOMPARE(cm.pixels(), int64_t{0});
        QVERIFY(std::isnan(cm.mean_iou()));
        QVERIFY(torch::equal(cm.matrix(), torch::zeros({3, 3}, torch::kLong)));
    }

    // A [N,H,W] batch (uint8 targets, int32 predictions) equals its images added one by one as
    // int64 [H,W] maps.
    void batchEqualsImagesOneByOne() {
        torch::manual_seed(7);
        auto [predicted, target] = random_maps({5, 6, 7}, 4);
        ConfusionMatrix batched(4), single(4);
        batched.add(predicted.to(torch::kInt), target.to(torch::kByte));
        for (int64_t i = 0; i < predicted.size(0); ++i) single.add(predicted[i], target[i]);
        QVERIFY(torch::equal(batched.matrix(), single.matrix()));
        QCOMPARE(batched.pixels(), target.ne(255).sum().item<int64_t>());
        QVERIFY(batched.pixels() < target.numel());  // the seed does ignore some pixels
    }

    // Two halves accumulated apart and merged equal one accumulation of everything.
    void mergeEqualsOneAccumulation() {
        torch::manual_seed(11);
        auto [predicted, target] = random_maps({6, 5, 5}, 3);
        ConfusionMatrix whole(3), first(3), second(3);
        whole.add(predicted, target);
        first.add(predicted.slice(0, 0, 2), target.slice(0, 0, 2));
        second.add(predicted.slice(0, 2), target.slice(0, 2));
        first.merge(second);
        QVERIFY(torch::equal(first.matrix(), whole.matrix()));
        QCOMPARE(first.pixels(), whole.pixels());
        QCOMPARE(first.mean_iou(), whole.mean_iou());

        ConfusionMatrix four_classes(4), other_ignore(3, 0);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, whole.merge(four_classes));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, whole.merge(other_ignore));
    }

    // Each bad input throws, names what is wrong, and counts nothing.
    void badInputsThrow() {
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ConfusionMatrix(0));
        ConfusionMatrix cm(3);

        auto message = invalid_argument_message([&] {
            cm.add(torch::zeros({3, 4}, torch::kLong), torch::zeros({4, 3}, torch::kLong));
        });
        QVERIFY2(contains(message, "[3, 4]") && contains(message, "[4, 3]"), message.c_str());

        auto target = example_target();
        target[1][2] = 7;
        message = invalid_argument_message([&] { cm.add(example_predicted(), target); });
        QVERIFY2(contains(message, "target label 7") && contains(message, "[0, 3)"),
                 message.c_str());

        auto predicted = example_predicted();
        predicted[2][0] = -1;
        message = invalid_argument_message([&] { cm.add(predicted, example_target()); });
        QVERIFY2(contains(message, "predicted label -1") && contains(message, "[0, 3)"),
                 message.c_str());

        message = invalid_argument_message(
            [&] { cm.add(example_predicted().to(torch::kFloat), example_target()); });
        QVERIFY2(contains(message, "integer"), message.c_str());

        message = invalid_argument_message(
            [&] { cm.add(torch::zeros({12}, torch::kLong), torch::zeros({12}, torch::kLong)); });
        QVERIFY2(contains(message, "[H,W] or [N,H,W]"), message.c_str());

        QCOMPARE(cm.pixels(), int64_t{0});
    }

    // Label maps on the GPU count as on the CPU; the matrix stays on the CPU.
    void cudaMapsCountLikeCpuMaps() {
        if (!torch::cuda::is_available()) QSKIP("no CUDA device");
        torch::manual_seed(3);
        auto [predicted, target] = random_maps({2, 8, 8}, 5);
        ConfusionMatrix cpu(5), gpu(5);
        cpu.add(predicted, target);
        gpu.add(predicted.cuda(), target.cuda());
        QVERIFY(gpu.matrix().device().is_cpu());
        QVERIFY(torch::equal(cpu.matrix(), gpu.matrix()));
    }
};

QTEST_GUILESS_MAIN(TestSegmentationMetrics)
#include "test_segmentation_metrics.moc"
