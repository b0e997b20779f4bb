// SPDX-License-Identifier: GPL-3.0-or-later
// TPGM's flat multi-tensor path against the per-tensor reference (tpgm_reference.h), on the
// CPU's fused row kernels and on the device-independent tensor-op path; the parameters stay the
// model's own; checkpoints and optimiser state round-trip with flat storage.
#include "checkpoints/checkpoint.h"
#include "methods/tpgm_cpu_kernels.h"
#include "methods/tpgm_projector.h"
#include "models/registry.h"
#include "tpgm_reference.h"

#include <torch/torch.h>
#include <QtTest/QtTest>

#include <filesystem>

using namespace tpgm;

namespace {

// 0-D to 4-D shapes, with first dims of 1 and more, and rows longer than the row loops' blocks.
const std::vector<std::vector<int64_t>> kShapes = {{},        {7},          {5, 3},  {1, 9},
                                                   {4, 3, 2}, {6, 2, 3, 3}, {3, 700}};

// Two identical sets of float64 tensors near their anchors: some rows far outside any
// radius the projection will learn, some barely moved.
void twin_tensors(std::vector<ConstrainedTensor>& a, std::vector<ConstrainedTensor>& b) {
    torch::manual_seed(21);
    for (std::size_t i = 0; i < kShapes.size(); ++i) {
        auto w0 = torch::randn(kShapes[i], torch::kDouble);
        auto spread = torch::rand(kShapes[i], torch::kDouble).pow(4) * 2;  // mostly small
        auto w = w0 + spread * torch::randn(kShapes[i], torch::kDouble);
        const std::string name = "t" + std::to_string(i);
        a.push_back({name, w.clone().requires_grad_(true), w0.clone()});
        b.push_back({name, w.clone().requires_grad_(true), w0.clone()});
    }
}

// A loss over every tensor with a gradient unlike D: sum_i sin(<C_i, W_i>) + |W_i|^2 / 7.
std::function<void()> loss_of(const std::vector<ConstrainedTensor>& tensors) {
    return [&tensors] {
        torch::manual_seed(3);  // the same C_i for both twins
        torch::Tensor loss = torch::zeros({}, torch::kDouble);
        for (const auto& t : tensors) {
            t.weight.mutable_grad() = torch::Tensor();
            auto c = torch::randn_like(t.weight);
            loss = loss + (c * t.weight).sum().sin() + t.weight.square().sum() / 7;
        }
        loss.backward();
    };
}

bool close(const torch::Tensor& a, const torch::Tensor& b, double rtol) {
    return torch::allclose(a.detach(), b.detach(), rtol, rtol * 1e-2);
}

}  // namespace

class TestTpgmFlat : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void flatPathEqualsThePerTensorReference_data() {
        QTest::addColumn<bool>("mars");
        QTest::addColumn<bool>("fused");
        QTest::addColumn<bool>("baseline");  // the CPU kernels' baseline loops even on AVX2
        QTest::newRow("mars, cpu kernels") << true << true << false;
        QTest::newRow("mars, baseline cpu kernels") << true << true << true;
        QTest::newRow("mars, tensor ops") << true << false << false;
        QTest::newRow("l2, cpu kernels") << false << true << false;
        QTest::newRow("l2, baseline cpu kernels") << false << true << true;
        QTest::newRow("l2, tensor ops") << false << false << false;
    }
    // apply() and update() over several rounds, the weights moved between rounds as an
    // optimiser would: radii and weights equal the reference's in float64. The CPU kernels
    // leave rows inside the ball alone where the reference scales them by g/(n+eps) (at most
    // 1 - 1e-8), hence their looser tolerance.
    void flatPathEqualsThePerTensorReference() {
        QFETCH(bool, mars);
        QFETCH(bool, fused);
        QFETCH(bool, baseline);
        cpu::force_baseline_rows(baseline);
        auto restore_isa = qScopeGuard([] { cpu::force_baseline_rows(false); });
        if (baseline) QCOMPARE(cpu::row_isa(), std::string("baseline"));
        const NormMode mode = mars ? NormMode::Mars : NormMode::L2;
        const double rtol = fused ? 1e-7 : 1e-11;
        std::vector<ConstrainedTensor> a, b;
        twin_tensors(a, b);
        TpgmProjector flat(a, mode, 0.05);
        flat.set_cpu_kernels(fused);
        test::ReferenceProjector reference(b, mode, 0.05);
        torch::Tensor flat_grad, reference_grad;
        for (int round = 0; round < 4; ++round) {
            if (round % 2 == 0) {
                flat.apply();
                reference.apply();
            } else {
                auto fa = loss_of(a), fb = loss_of(b);
                flat.update(2, [&] {
                    fa();
                    flat_grad = flat.radius_gradient();
                });
                reference.update(2, [&] {
                    fb();
                    reference_grad = reference.radius_gradient();
                });
                QVERIFY2(close(flat_grad, reference_grad, rtol * 10),
                         qPrintable(QString("round %1").arg(round)));
                QVERIFY(flat_grad.abs().sum().item<double>() > 0);
            }
            QVERIFY2(close(flat.radii(), reference.radii(), rtol),
                     qPrintable(QString("radii, round %1").arg(round)));
            for (std::size_t i = 0; i < a.size(); ++i)
                QVERIFY2(close(a[i].weight, b[i].weight, rtol),
                         qPrintable(QString("%1, round %2").arg(a[i].name.c_str()).arg(round)));
            // distances() right after a projection (from the norms and scales) and after the
            // weights moved (measured afresh) equal the distances written out per tensor.
            for (int moved = 0; moved < 2; ++moved) {
                const auto d = flat.distances();
                for (std::size_t i = 0; i < a.size(); ++i) {
                    auto diff = (a[i].weight - a[i].anchor).detach();
                    const double expected =
                        mars && diff.dim() > 0
                            ? diff.reshape({diff.size(0), -1}).abs().sum(1).max().item<double>()
                            : (mars ? diff.abs() : diff.square()).sum().item<double>();
                    const double want = mars ? expected : std::sqrt(expected);
                    QVERIFY2(std::abs(d[i] - want) <= 1e-9 * std::max(1.0, want),
                             qPrintable(QString("%1: %2 vs %3").arg(i).arg(d[i]).arg(want)));
                }
                torch::NoGradGuard no_grad;
                if (moved == 0) a[0].weight.add_(0.5);
            }
            b[0].weight.detach().add_(0.5);
            torch::NoGradGuard no_grad;
            for (std::size_t i = 0; i < a.size(); ++i) {
                auto step = 0.3 * torch::randn_like(a[i].weight);
                a[i].weight.add_(step);
                b[i].weight.add_(step);
            }
        }
        // Some rows were projected and some were not: both cases were compared.
        int inside = 0, outside = 0;
        auto radii = flat.radii();
        const auto d = flat.distances();
        for (std::size_t i = 0; i < a.size(); ++i)
            (d[i] < radii[static_cast<int64_t>(i)].item<double>() * (1 - 1e-6) ? inside
                                                                               : outside)++;
        QVERIFY2(inside + outside == static_cast<int>(a.size()) && outside > 0,
                 qPrintable(QString("%1 inside, %2 at the radius").arg(inside).arg(outside)));
    }

    // The weights are views of one buffer, keep their values, and an optimiser step on the
    // model's parameters moves that buffer; Module::to on the same device keeps the aliasing.
    void parametersStayTheModelsOwn() {
        torch::manual_seed(4);
        auto model = create_model({"demo_resnet", 3, 1, 4});
        auto x = torch::randn({2, 1, 12, 12});
        model->eval();
        const auto before = model->forward(x).detach();
        std::vector<ConstrainedTensor> tensors;
        for (auto& p : model->named_parameters())
            tensors.push_back({p.key(), p.value(), p.value().detach().clone()});
        TpgmProjector projector(tensors, NormMode::Mars, 0.01);
        QVERIFY(torch::equal(model->forward(x).detach(), before));
        const auto& flat = projector.flat_weights();
        const auto* begin = static_cast<const char*>(flat.data_ptr());
        const auto* end = begin + flat.numel() * flat.element_size();
        for (auto& p : model->parameters()) {
            const auto* at = static_cast<const char*>(p.data_ptr());
            QVERIFY(at >= begin && at < end);
        }
        torch::optim::SGD sgd(model->parameters(), 0.1);
        auto loss = model->forward(x).square().sum();
        loss.backward();
        const auto flat_before = flat.clone();
        sgd.step();
        QVERIFY(!torch::equal(flat, flat_before));
        model->to(torch::kCPU);
        projector.apply();  // still one buffer: nothing to re-seat
        QCOMPARE(model->parameters().front().data_ptr(), flat.data_ptr());
    }

    // A checkpoint of a model with flat parameters holds each tensor alone (not the whole
    // buffer per tensor) and loads back equal; Adam's state over flat parameters round-trips.
    void checkpointsAndOptimiserStateRoundTrip() {
        torch::manual_seed(5);
        const ModelSpec spec{"demo_resnet", 3, 1, 8};
        auto model = create_model(spec);
        std::vector<ConstrainedTensor> tensors;
        for (auto& p : model->named_parameters())
            tensors.push_back({p.key(), p.value(), p.value().detach().clone()});
        TpgmProjector projector(tensors, NormMode::Mars, 0.01);
        torch::optim::Adam adam(model->parameters(), 1e-3);
        model->forward(torch::randn({2, 1, 12, 12})).sum().backward();
        adam.step();
        const auto dir = std::filesystem::temp_directory_path() / "tpgm_flat_test";
        std::filesystem::create_directories(dir);
        // Without the optimiser, as large as the same model's checkpoint without flat storage
        // (a copy of the whole buffer per tensor would multiply it by the number of tensors).
        const std::string flat = (dir / "flat.pt").string(), plain = (dir / "plain.pt").string();
        auto twin = create_model(spec);
        load_state_dict(*twin, state_dict(*model));
        save_checkpoint(flat, spec, *model);
        save_checkpoint(plain, spec, *twin);
        QCOMPARE(std::filesystem::file_size(flat), std::filesystem::file_size(plain));
        const std::string path = (dir / "with-adam.pt").string();
        save_checkpoint(path, spec, *model,
                        [&](torch::serialize::OutputArchive& a) { adam.save(a); });
        LoadedCheckpoint ckpt = read_checkpoint(path);
        auto copy = create_model(spec);
        load_state_dict(*copy, ckpt.state);
        auto params = model->named_parameters();
        for (const auto& p : copy->named_parameters())
            QVERIFY2(torch::equal(p.value(), params[p.key()]), p.key().c_str());
        torch::optim::Adam restored(copy->parameters(), 1e-3);
        restored.load(ckpt.archive);
        copy->forward(torch::randn({2, 1, 12, 12})).sum().backward();
        restored.step();  // the state fits the parameters
        std::filesystem::remove_all(dir);
    }
};

QTEST_APPLESS_MAIN(TestTpgmFlat)
#include "test_tpgm_flat.moc"
