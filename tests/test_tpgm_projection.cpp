// SPDX-License-Identifier: GPL-3.0-or-later
// TPGM's projection maths against hand-computed tensors, its radius gradient against finite
// differences and autograd, and the method's exclusions.
#include "config/run_config.h"
#include "methods/method.h"
#include "methods/tpgm_cpu_kernels.h"
#include "methods/tpgm_projector.h"
#include "models/registry.h"

#include <torch/torch.h>
#include <QtTest/QtTest>

#include <limits>

using namespace tpgm;

namespace {

torch::Tensor param(std::initializer_list<double> values, std::vector<int64_t> shape) {
    return torch::tensor(std::vector<double>(values), torch::kDouble)
        .view(shape)
        .requires_grad_(true);
}

// max over rows of the row distance (MARS) or the tensor distance (L2).
double distance(const torch::Tensor& w, const torch::Tensor& w0, NormMode mode) {
    auto d = (w - w0).detach();
    if (mode == NormMode::L2) return d.norm().item<double>();
    return d.view({d.size(0), -1}).abs().sum(1).max().item<double>();
}

// Loss of a linear classifier whose weight and bias are the projections P(W) for radii g,
// written out independently of the projector, for finite differences and autograd.
torch::Tensor reference_loss(const std::vector<torch::Tensor>& w,
                             const std::vector<torch::Tensor>& w0, const torch::Tensor& g,
                             NormMode mode, const torch::Tensor& x, const torch::Tensor& y) {
    std::vector<torch::Tensor> p;
    for (std::size_t i = 0; i < w.size(); ++i) {
        auto d = (w[i] - w0[i]).detach();
        auto rows = mode == NormMode::Mars ? d.view({d.size(0), -1}) : d.view({1, -1});
        auto n = mode == NormMode::Mars ? rows.abs().sum(1, true) : rows.norm(2, {1}, true);
        auto s = (g[static_cast<int64_t>(i)] / (n + TpgmProjector::kEps)).clamp(0, 1);
        p.push_back((w0[i].view_as(rows) + s * rows).view_as(d));
    }
    return torch::cross_entropy_loss(torch::nn::functional::linear(x, p[0], p[1]), y);
}

}  // namespace

class TestTpgmProjection : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void l2ProjectionMatchesHandComputation() {
        auto w = param({3, 4, 0, 0}, {2, 2});
        auto w0 = torch::zeros({2, 2}, torch::kDouble);
        TpgmProjector proj({{"w", w, w0}}, NormMode::L2, 0.01);
        proj.set_radii(torch::tensor({2.5}, torch::kDouble));  // ||D|| = 5 -> scale 0.5
        proj.apply();
        auto expected = torch::tensor({1.5, 2.0, 0.0, 0.0}, torch::kDouble).view({2, 2});
        QVERIFY(torch::allclose(w.detach(), expected, 1e-7, 1e-9));
    }

    void marsProjectionMatchesHandComputation() {
        // Row L1 norms 4 and 0.5; radius 1 scales row 0 by 1/4 and leaves row 1 (1/0.5 > 1).
        auto w = param({1, -1, 2, 0.5, 0, 0}, {2, 3});
        auto w0 = torch::zeros({2, 3}, torch::kDouble);
        TpgmProjector proj({{"w", w, w0}}, NormMode::Mars, 0.01);
        proj.set_radii(torch::tensor({1.0}, torch::kDouble));
        proj.apply();
        auto expected =
            torch::tensor({0.25, -0.25, 0.5, 0.5, 0.0, 0.0}, torch::kDouble).view({2, 3});
        QVERIFY(torch::allclose(w.detach(), expected, 1e-7, 1e-9));
    }

    void marsTreatsEachEntryOfAVectorAsARow() {
        auto w = param({2, -0.5}, {2});
        auto w0 = torch::zeros({2}, torch::kDouble);
        TpgmProjector proj({{"bn.weight", w, w0}}, NormMode::Mars, 0.01);
        proj.set_radii(torch::tensor({1.0}, torch::kDouble));
        proj.apply();
        QVERIFY(
            torch::allclose(w.detach(), torch::tensor({1.0, -0.5}, torch::kDouble), 1e-7, 1e-9));
    }

    void radiiStartAtHalfTheSmallestNorm() {
        auto w = param({1, -1, 2, 0.5, 0, 0}, {2, 3});
        auto w0 = torch::zeros({2, 3}, torch::kDouble);
        TpgmProjector proj({{"w", w, w0}}, NormMode::Mars, 0.01);
        QVERIFY(!proj.initialised());
        proj.apply();
        QCOMPARE(proj.radii()[0].item<double>(), 0.25);
        // Both rows now sit at distance 0.25 (row 1 scaled by 0.25 / 0.5).
        auto expected =
            torch::tensor({1.0 / 16, -1.0 / 16, 2.0 / 16, 0.25, 0.0, 0.0}, torch::kDouble)
                .view({2, 3});
        QVERIFY(torch::allclose(w.detach(), expected, 1e-7, 1e-9));
    }

    void radiiAreClippedToTheirRange() {
        auto w = param({3, 4}, {2});
        auto w0 = torch::zeros({2}, torch::kDouble);
        TpgmProjector proj({{"w", w, w0}}, NormMode::L2, 0.01);
        proj.set_radii(torch::tensor({100.0}, torch::kDouble));
        proj.apply();
        QCOMPARE(proj.radii()[0].item<double>(), 5.0);  // max(n)
        proj.set_radii(torch::tensor({-3.0}, torch::kDouble));
        proj.apply();
        QCOMPARE(proj.radii()[0].item<double>(), TpgmProjector::kMinRadius);
    }

    void projectedTensorsStayWithinTheirRadius_data() {
        QTest::addColumn<bool>("mars");
        QTest::newRow("l2") << false;
        QTest::newRow("mars") << true;
    }
    void projectedTensorsStayWithinTheirRadius() {
        QFETCH(bool, mars);
        const NormMode mode = mars ? NormMode::Mars : NormMode::L2;
        torch::manual_seed(3);
        std::vector<ConstrainedTensor> ts;
        for (const auto& shape : std::vector<std::vector<int64_t>>{{8, 4, 3, 3}, {16}, {5, 7}}) {
            auto w0 = torch::randn(shape, torch::kDouble);
            ts.push_back(
                {"t", (w0 + torch::randn(shape, torch::kDouble)).requires_grad_(true), w0});
        }
        TpgmProjector proj(ts, mode, 0.01);
        auto radii = torch::rand({3}, torch::kDouble) * 3;
        proj.set_radii(radii);
        proj.apply();
        auto clipped = proj.radii();
        for (std::size_t i = 0; i < ts.size(); ++i) {
            const double r = clipped[static_cast<int64_t>(i)].item<double>();
            QVERIFY2(distance(ts[i].weight, ts[i].anchor, mode) <= r * (1 + 1e-9) + 1e-12,
                     qPrintable(QString("tensor %1 left its ball").arg(i)));
            QVERIFY(r <= radii[static_cast<int64_t>(i)].item<double>() + 1e-12);
        }
    }

    void fastApplyMatchesTheGenericProjection_data() {
        QTest::addColumn<bool>("mars");
        QTest::addColumn<bool>("baseline");  // the CPU kernels' baseline loops even on AVX2
        QTest::newRow("l2") << false << false;
        QTest::newRow("mars") << true << false;
        QTest::newRow("l2, baseline") << false << true;
        QTest::newRow("mars, baseline") << true << true;
    }
    void fastApplyMatchesTheGenericProjection() {
        // apply() takes the fused CPU kernels; the generic twin runs the tensor-op path.
        QFETCH(bool, mars);
        QFETCH(bool, baseline);
        cpu::force_baseline_rows(baseline);
        auto restore_isa = qScopeGuard([] { cpu::force_baseline_rows(false); });
        if (baseline) QCOMPARE(cpu::row_isa(), std::string("baseline"));
        const NormMode mode = mars ? NormMode::Mars : NormMode::L2;
        torch::manual_seed(8);
        std::vector<ConstrainedTensor> a, b, exact;
        for (const auto& shape :
             std::vector<std::vector<int64_t>>{{64, 32, 3, 3}, {64}, {10, 640}}) {
            auto w0 = torch::randn(shape);
            auto w = w0 + 0.1 * torch::randn(shape);
            a.push_back({"t", w.clone().requires_grad_(true), w0});
            b.push_back({"t", w.clone().requires_grad_(true), w0});
            exact.push_back(
                {"t", w.to(torch::kDouble).requires_grad_(true), w0.to(torch::kDouble)});
        }
        TpgmProjector fast(a, mode, 0.01), generic(b, mode, 0.01), reference(exact, mode, 0.01);
        generic.set_cpu_kernels(false);
        reference.set_cpu_kernels(false);
        // The kernels sum each row in double and round once; the float32 tensor ops round
        // along the way, by an amount that depends on ATen's vector width (an L2 norm of 18432
        // terms came out 1.4e-6 apart on one CPU). So the two may differ by the tensor ops' own
        // error, measured here against a float64 run of the same projection, plus the kernels'
        // rounding: a radius (min of norms / 2) rounds once; W0 + s * (W - W0) four times, each
        // within an ulp of |W0| + |P(W)|.
        const double u = std::numeric_limits<float>::epsilon();
        const auto within = [u](const torch::Tensor& kernels, const torch::Tensor& ops,
                                const torch::Tensor& truth, const torch::Tensor& anchor) {
            const auto k = kernels.detach().to(torch::kDouble);
            const auto o = ops.detach().to(torch::kDouble);
            const auto t = truth.detach();
            const auto own = 4 * u * (t.abs() + anchor.to(torch::kDouble).abs());
            return ((k - o).abs() <= (o - t).abs() + own).all().item<bool>();
        };
        for (int round = 0; round < 2; ++round) {  // first use initialises the radii
            fast.apply();
            generic.apply();
            reference.apply();
            QVERIFY(within(fast.radii(), generic.radii(), reference.radii(),
                           torch::zeros_like(reference.radii())));
            for (std::size_t i = 0; i < a.size(); ++i)
                QVERIFY(within(a[i].weight, b[i].weight, exact[i].weight, a[i].anchor));
            // The next round projects the same W under the same radii on all three paths.
            torch::NoGradGuard no_grad;
            for (std::size_t i = 0; i < a.size(); ++i) {
                a[i].weight.add_(0.05 * torch::randn_like(a[i].weight));
                b[i].weight.copy_(a[i].weight);
                exact[i].weight.copy_(a[i].weight);
            }
            generic.set_radii(fast.radii());
            reference.set_radii(fast.radii());
        }
    }

    void radiusGradientMatchesFiniteDifferencesAndAutograd_data() {
        QTest::addColumn<bool>("mars");
        QTest::newRow("l2") << false;
        QTest::newRow("mars") << true;
    }
    void radiusGradientMatchesFiniteDifferencesAndAutograd() {
        QFETCH(bool, mars);
        const NormMode mode = mars ? NormMode::Mars : NormMode::L2;
        torch::manual_seed(11);
        auto x = torch::randn({16, 6}, torch::kDouble);
        auto y = torch::randint(0, 4, {16}, torch::kLong);
        std::vector<torch::Tensor> w0{torch::randn({4, 6}, torch::kDouble),
                                      torch::randn({4}, torch::kDouble)};
        std::vector<torch::Tensor> w{
            (w0[0] + 0.5 * torch::randn({4, 6}, torch::kDouble)).requires_grad_(true),
            (w0[1] + 0.5 * torch::randn({4}, torch::kDouble)).requires_grad_(true)};
        const std::vector<torch::Tensor> raw{w[0].detach().clone(), w[1].detach().clone()};
        TpgmProjector proj({{"weight", w[0], w0[0]}, {"bias", w[1], w0[1]}}, mode, 0.01);
        // Radii between two row norms (MARS), so that some rows are projected and others not,
        // away from the clamp's kinks; half the norm for L2.
        auto between = [&](int i) {
            auto d = (raw[i] - w0[i]).view({4, -1});
            if (!mars) return 0.5 * d.norm().item<double>();
            auto sorted = std::get<0>(d.abs().sum(1).sort());
            return 0.5 * (sorted[1].item<double>() + sorted[2].item<double>());
        };
        auto g = torch::tensor({between(0), between(1)}, torch::kDouble);
        proj.set_radii(g);
        torch::Tensor analytic;
        proj.update(1, [&] {
            for (auto& t : w) t.mutable_grad() = torch::Tensor();
            torch::cross_entropy_loss(torch::nn::functional::linear(x, w[0], w[1]), y).backward();
            analytic = proj.radius_gradient();
        });
        // Finite differences of the same loss, written independently of the projector.
        const double h = 1e-6;
        for (int64_t i = 0; i < 2; ++i) {
            auto up = g.clone(), down = g.clone();
            up[i] += h;
            down[i] -= h;
            const double fd = (reference_loss(raw, w0, up, mode, x, y).item<double>() -
                               reference_loss(raw, w0, down, mode, x, y).item<double>()) /
                              (2 * h);
            QVERIFY2(std::abs(fd - analytic[i].item<double>()) < 1e-6 * std::max(1.0, std::abs(fd)),
                     qPrintable(QString("radius %1: analytic %2, finite difference %3")
                                    .arg(i)
                                    .arg(analytic[i].item<double>())
                                    .arg(fd)));
        }
        auto gg = g.clone().requires_grad_(true);
        reference_loss(raw, w0, gg, mode, x, y).backward();
        QVERIFY(torch::allclose(analytic, gg.grad(), 1e-9, 1e-12));
        QVERIFY(analytic.abs().sum().item<double>() > 0);
    }

    void adamStepMovesRadiiAgainstTheirGradient() {
        torch::manual_seed(5);
        auto x = torch::randn({32, 6}, torch::kDouble);
        auto y = torch::randint(0, 4, {32}, torch::kLong);
        auto w0 = torch::zeros({4, 6}, torch::kDouble), b0 = torch::zeros({4}, torch::kDouble);
        auto w = (w0 + torch::randn({4, 6}, torch::kDouble)).requires_grad_(true);
        auto b = (b0 + 0.1 * torch::randn({4}, torch::kDouble)).requires_grad_(true);
        TpgmProjector proj({{"w", w, w0}, {"b", b, b0}}, NormMode::L2, 0.05);
        proj.set_radii(torch::tensor({0.5, 0.05}, torch::kDouble));
        torch::Tensor grad;
        proj.update(1, [&] {
            w.mutable_grad() = torch::Tensor();
            b.mutable_grad() = torch::Tensor();
            torch::cross_entropy_loss(torch::nn::functional::linear(x, w, b), y).backward();
            grad = proj.radius_gradient();
        });
        auto moved = proj.radii() - torch::tensor({0.5, 0.05}, torch::kDouble);
        for (int64_t i = 0; i < 2; ++i) {
            // Adam's first step moves each coordinate by lr against the sign of its gradient.
            QVERIFY(std::abs(std::abs(moved[i].item<double>()) - 0.05) < 1e-6);
            QVERIFY(moved[i].item<double>() * grad[i].item<double>() < 0);
        }
    }

    void methodLeavesExcludedHeadUntouched() {
        torch::manual_seed(0);
        auto model = create_model({"demo_resnet", 3, 1, 4});
        RunConfig config;
        config.method = "tpgm";
        MethodContext ctx;
        ctx.model = model.get();
        for (const auto& p : model->named_parameters())
            if (p.key().rfind("fc.", 0) != 0)
                ctx.anchors.emplace_back(p.key(), p.value().detach().clone());
        auto x = torch::randn({4, 1, 12, 12});
        auto y = torch::tensor({0, 1, 2, 0}, torch::kLong);
        ctx.next_projection_batch = [&] { return Batch{x, y}; };
        auto method = create_method(config, ctx);
        {
            torch::NoGradGuard no_grad;
            for (auto& p : model->parameters()) p.add_(0.1 * torch::randn_like(p));
        }
        const auto head_before = model->named_parameters()["fc.weight"].detach().clone();
        method->after_optimizer_step(1);
        QVERIFY(torch::equal(model->named_parameters()["fc.weight"], head_before));
        const auto snap = method->radii(1);
        QVERIFY(snap.has_value());
        QCOMPARE(static_cast<int>(snap->names.size()), static_cast<int>(ctx.anchors.size()));
        for (const auto& name : snap->names) QVERIFY(name.rfind("fc.", 0) != 0);
        for (std::size_t i = 0; i < snap->names.size(); ++i)
            QVERIFY(snap->distance[i] <= snap->radius[i] * (1 + 1e-5) + 1e-7);
    }

    void stateRoundTripsThroughAnArchive() {
        auto w = param({1, 2, 3, 4}, {2, 2});
        auto w0 = torch::zeros({2, 2}, torch::kDouble);
        TpgmProjector a({{"w", w, w0}}, NormMode::Mars, 0.01);
        a.update(2, [&] { w.mutable_grad() = torch::ones_like(w); });
        torch::serialize::OutputArchive out;
        a.save(out);
        std::ostringstream bytes;
        out.save_to(bytes);
        std::istringstream in_bytes(bytes.str());
        torch::serialize::InputArchive in;
        in.load_from(in_bytes);
        auto w2 = w.detach().clone().requires_grad_(true);
        TpgmProjector b({{"w", w2, w0}}, NormMode::Mars, 0.01);
        b.load(in);
        QVERIFY(b.initialised());
        QVERIFY(torch::equal(a.radii(), b.radii()));
    }
};

QTEST_APPLESS_MAIN(TestTpgmProjection)
#include "test_tpgm_projection.moc"
