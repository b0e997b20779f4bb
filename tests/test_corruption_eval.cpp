// SPDX-License-Identifier: GPL-3.0-or-later
// The corruption matrix and ImageNet-C's corruption errors (CE, relative CE, mCE).
#include "engine/corruption_eval.h"
#include "models/registry.h"

#include <torch/torch.h>
#include <QtTest/QtTest>

using namespace tpgm;

class TestCorruptionEval : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void corruptionErrorsFollowTheImageNetCDefinitions() {
        CorruptionMatrix model{{"fog", "contrast"}, {1, 2}, {{0.8, 0.6}, {0.9, 0.7}}, 0.9};
        CorruptionMatrix base{{"fog", "contrast"}, {1, 2}, {{0.6, 0.2}, {0.7, 0.5}}, 0.9};
        const CorruptionErrors e = corruption_errors(model, base);
        // fog: errors 0.2 + 0.4 over 0.4 + 0.8; relative: (0.1 + 0.3) / (0.3 + 0.7).
        QVERIFY(std::abs(e.ce.at("fog") - 0.5) < 1e-12);
        QVERIFY(std::abs(e.relative_ce.at("fog") - 0.4) < 1e-12);
        // contrast: 0.1 + 0.3 over 0.3 + 0.5; relative: (0.0 + 0.2) / (0.2 + 0.4).
        QVERIFY(std::abs(e.ce.at("contrast") - 0.5) < 1e-12);
        QVERIFY(std::abs(e.relative_ce.at("contrast") - 1.0 / 3) < 1e-12);
        QVERIFY(std::abs(e.mce - 0.5) < 1e-12);
        QVERIFY(std::abs(e.relative_mce - (0.4 + 1.0 / 3) / 2) < 1e-12);
        QVERIFY(std::abs(model.mean() - 0.75) < 1e-12);
        base.severities = {1, 3};
        QVERIFY_EXCEPTION_THROWN(corruption_errors(model, base), std::invalid_argument);
    }

    void matrixCoversEveryCellDeterministically() {
        torch::manual_seed(0);
        auto model = create_model({"demo_resnet", 3, 1, 4});
        TensorDataset clean{"id",
                            torch::randint(0, 255, {12, 1, 28, 28}, torch::kLong).to(torch::kUInt8),
                            torch::randint(0, 3, {12}, torch::kLong)};
        const Normalization norm{{0.5}, {0.25}};
        const std::vector<std::string> names{"gaussian_noise", "fog", "jpeg_compression"};
        const auto a = evaluate_corruptions(*model, clean, norm, torch::kCPU, names, {1, 5}, 7);
        const auto b = evaluate_corruptions(*model, clean, norm, torch::kCPU, names, {1, 5}, 7);
        QCOMPARE(a.top1.size(), std::size_t(3));
        for (const auto& row : a.top1) {
            QCOMPARE(row.size(), std::size_t(2));
            for (double v : row) QVERIFY(v >= 0 && v <= 1);
        }
        QCOMPARE(a.top1, b.top1);
        QVERIFY_EXCEPTION_THROWN(
            evaluate_corruptions(*model, clean, norm, torch::kCPU, {"rain"}, {1}, 7),
            std::invalid_argument);
    }
};

QTEST_APPLESS_MAIN(TestCorruptionEval)
#include "test_corruption_eval.moc"
