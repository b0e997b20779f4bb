// SPDX-License-Identifier: GPL-3.0-or-later
// Fine-tuning methods other than TPGM (whose maths has its own suites): L2-SP's gradient equals
// autograd of the loss with its penalty written out; SPD's step equals its rule written out;
// FTP follows a hand-worked example and keeps every layer within its radius; WiSE-FT's path
// ends exactly at the pre-trained and the fine-tuned weights; a method's undecayed parameter
// group gets no weight decay.
#include "config/run_config.h"
#include "engine/step_benchmark.h"
#include "methods/method.h"
#include "models/registry.h"
#include "optim/optim.h"

#include <torch/torch.h>
#include <QtTest/QtTest>

using namespace tpgm;

namespace {

// A linear classifier: "fc.weight" stands for pre-trained weights, "fc.bias" for a new head.
struct LinearClassifier : Classifier {
    torch::nn::Linear fc{nullptr};
    LinearClassifier() { fc = register_module("fc", torch::nn::Linear(4, 3)); }
    torch::Tensor forward(torch::Tensor x) override { return fc->forward(x); }
    void reset_head(int64_t) override {}
    int64_t num_classes() const override { return 3; }
    std::string head_prefix() const override { return "fc.bias"; }
};

// One pre-trained 1x2 weight "w" (a single MARS row) and a head "head".
struct OneRow : Classifier {
    torch::Tensor w, head;
    OneRow() {
        w = register_parameter("w", torch::zeros({1, 2}, torch::kDouble));
        head = register_parameter("head", torch::zeros({1}, torch::kDouble));
    }
    torch::Tensor forward(torch::Tensor x) override { return x; }
    void reset_head(int64_t) override {}
    int64_t num_classes() const override { return 1; }
    std::string head_prefix() const override { return "head"; }
};

// A method context anchoring every parameter outside the head at its current value.
MethodContext anchored_context(Classifier& model) {
    MethodContext ctx;
    ctx.model = &model;
    for (const auto& p : model.named_parameters())
        if (p.key().rfind(model.head_prefix(), 0) != 0)
            ctx.anchors.emplace_back(p.key(), p.value().detach().clone());
    return ctx;
}

}  // namespace

class TestMethods : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    // tpgm-cli bench train end to end on a small input: every kind of step is timed, the radius
    // update's own work is part of a TPGM step, and the figures it derives from are consistent.
    void stepBenchmarkTimesEveryKindOfStep() {
        StepBenchOptions o;
        o.image_size = 16;
        o.batch = 2;
        o.windows = 1;
        o.window_steps = 2;
        o.threads = 1;
        const auto r = run_step_benchmark(o);
        QCOMPARE(r.constrained, 60);  // ResNet-18's convolutions and BatchNorms, head left out
        for (double t : {r.vanilla, r.floor, r.tpgm_freq1, r.tpgm_freq10, r.apply_only,
                         r.update_work, r.weight_copy})
            QVERIFY(t > 0);
        QVERIFY(r.update_work < r.tpgm_freq1);
        // W0 and D in float32 over ResNet-18's ~11.2 M constrained values: 85.3 MiB.
        QVERIFY2(r.buffers_mb > 85 && r.buffers_mb < 86, qPrintable(QString::number(r.buffers_mb)));
        QVERIFY(r.row_loops.find("row loops") != std::string::npos);
    }
    // The second group (parameters a method regularises itself) gets no weight decay; the
    // first keeps it, for SGD and AdamW alike.
    void undecayedGroupIsNotDecayed() {
        for (const char* name : {"sgd", "adamw"}) {
            OptimConfig c;
            c.name = name;
            c.lr = 0.1;
            c.momentum = 0;
            c.nesterov = false;
            c.weight_decay = 0.5;
            auto decayed = torch::ones({3}).requires_grad_(true);
            auto undecayed = torch::ones({3}).requires_grad_(true);
            auto optimizer = make_optimizer(c, {decayed}, {undecayed});
            QCOMPARE(static_cast<int>(optimizer->param_groups().size()), 2);
            decayed.mutable_grad() = torch::zeros({3});
            undecayed.mutable_grad() = torch::zeros({3});
            optimizer->step();
            QVERIFY2(decayed.lt(1).all().item<bool>(), name);
            QVERIFY2(undecayed.eq(1).all().item<bool>(), name);
        }
    }

    // One SGD step under SPD equals the step written out from the paper's rule: the weight
    // anchored (no plain decay, SPD's pull), the bias a new head (plain weight decay). Both
    // branches of the condition occur across the seeds.
    void spdStepMatchesTheWrittenOutRule() {
        int pulled = 0, kept = 0;
        for (int seed = 0; seed < 8; ++seed) {
            torch::manual_seed(seed);
            auto model = std::make_shared<LinearClassifier>();
            model->to(torch::kDouble);
            RunConfig config;
            config.method = "spd";
            config.spd.weight_decay = 0.7;
            config.optim.name = "sgd";
            config.optim.lr = 0.5;
            config.optim.momentum = 0;
            config.optim.nesterov = false;
            config.optim.weight_decay = 0.01;
            auto& weight = model->fc->weight;
            auto& bias = model->fc->bias;
            MethodContext ctx;
            ctx.model = model.get();
            ctx.anchors.emplace_back("fc.weight", weight.detach().clone());
            const auto w0 = ctx.anchors.front().second.clone();
            auto method = create_method(config, ctx);
            QVERIFY(!method->weight_decay_applies_to("fc.weight"));
            QVERIFY(method->weight_decay_applies_to("fc.bias"));
            auto optimizer = make_optimizer(config.optim, {bias}, {weight});
            {
                torch::NoGradGuard no_grad;
                weight.add_(0.3 * torch::randn_like(weight));
            }
            auto x = torch::randn({8, 4}, torch::kDouble);
            auto y = torch::randint(0, 3, {8}, torch::kLong);

            optimizer->zero_grad();
            torch::cross_entropy_loss(model->forward(x), y).backward();
            const auto w = weight.detach().clone(), g = weight.grad().clone();
            const auto b = bias.detach().clone(), gb = bias.grad().clone();
            method->before_optimizer_step(1);
            optimizer->step();
            method->after_optimizer_step(1);

            const double lr = config.optim.lr, wd = config.optim.weight_decay;
            const auto w_step = w - lr * g;
            const bool away = (g * (w - w0)).sum().item<double>() > 0;
            const double before = (w - w0).norm().item<double>();
            const double after = (w_step - w0).norm().item<double>();
            const double r = std::clamp((after - before) / after, 0.0, 1.0);
            const auto expected_w = away ? w_step - 0.7 * r * (w_step - w0) : w_step;
            QVERIFY2(torch::allclose(weight.detach(), expected_w, 1e-12, 1e-14),
                     qPrintable(QString("seed %1").arg(seed)));
            QVERIFY(torch::allclose(bias.detach(), b - lr * (gb + wd * b), 1e-12, 1e-14));
            (away && r > 0 ? pulled : kept)++;
        }
        QVERIFY2(pulled > 0 && kept > 0,
                 qPrintable(QString("%1 pulled, %2 kept").arg(pulled).arg(kept)));
    }

    // Three steps of FTP worked out by hand (W0 = 0, plain SGD with lr 1 written out, k = 2,
    // radius lr 0.5). MARS norm of a row: the sum of its absolute values.
    void ftpFollowsTheHandWorkedExample() {
        OneRow model;
        RunConfig config;
        config.method = "ftp";
        config.ftp.k = 2;
        config.ftp.lr = 0.5;
        auto method = create_method(config, anchored_context(model));
        QCOMPARE(method->name(), std::string("ftp"));
        auto sgd_step = [&](std::vector<double> grad, int64_t step) {
            model.w.mutable_grad() = torch::tensor(grad, torch::kDouble).reshape({1, 2});
            {
                torch::NoGradGuard no_grad;
                model.w.sub_(model.w.grad());
            }
            method->after_optimizer_step(step);
            return model.w.detach().reshape({2});
        };
        auto gamma = [&] { return method->radii(0)->radius.at(0); };

        // Step 1: c1 = (1, 2), n1 = 3. No c0: gamma stays at 1e-8, W = W0 + 1e-8/3 * c1.
        auto w = sgd_step({-1, -2}, 1);
        QCOMPARE(gamma(), 1e-8);
        QVERIFY(
            torch::allclose(w, torch::tensor({1.0, 2.0}, torch::kDouble) * (1e-8 / 3), 0, 1e-20));

        // Step 2: gradient (1, -3) at W1; c2 = W1 - (1, -3), n2 = 4 + 1e-8.
        // dL/dgamma = <(1, -3), c1> / n1 = -5/3 (negative: not scaled by k).
        // Adam's first step: m^ = -5/3, v^ = 25/9, gamma = 1e-8 + 0.5 * (5/3) / (5/3 + 1e-8).
        const auto w1 = w.clone();
        w = sgd_step({1, -3}, 2);
        const auto c2 = w1 - torch::tensor({1.0, -3.0}, torch::kDouble);
        const double n2 = c2.abs().sum().item<double>();
        const double gamma2 = 1e-8 + 0.5 * (5.0 / 3) / (5.0 / 3 + 1e-8);
        QVERIFY(std::abs(gamma() - gamma2) < 1e-12);
        QVERIFY(torch::allclose(w, c2 * (gamma2 / n2), 0, 1e-12));

        // Step 3: gradient (-2, 0); dL/dgamma = <(-2, 0), c2> / n2 > 0, scaled by k = 2, but
        // Adam's first moment is still negative.
        const auto w2 = w.clone();
        w = sgd_step({-2, 0}, 3);
        const double g3 = 2 * (-2 * c2[0].item<double>()) / n2;
        const double m = 0.9 * (0.1 * -5.0 / 3) + 0.1 * g3;
        const double v = 0.999 * (0.001 * 25.0 / 9) + 0.001 * g3 * g3;
        const double gamma3 =
            gamma2 - 0.5 * (m / (1 - 0.81)) / (std::sqrt(v / (1 - 0.998001)) + 1e-8);
        const auto c3 = w2 - torch::tensor({-2.0, 0.0}, torch::kDouble);
        const double n3 = c3.abs().sum().item<double>();
        QVERIFY(gamma3 > gamma2 && gamma3 < n3);  // momentum outweighs the positive gradient
        QVERIFY(std::abs(gamma() - gamma3) < 1e-12);
        QVERIFY(torch::allclose(w, c3 * (gamma3 / n3), 0, 1e-12));

        // Step 4: a tiny move back (n4 = gamma3 - 1e-3; m stays negative, so gamma grows): gamma
        // is clipped to n4 and W is left as the optimiser put it.
        const auto w3 = w.clone();
        w = sgd_step({1e-3, 0}, 4);
        const auto c4 = w3 - torch::tensor({1e-3, 0.0}, torch::kDouble);
        QVERIFY(std::abs(gamma() - c4.abs().sum().item<double>()) < 1e-12);
        QVERIFY(torch::allclose(w, c4, 0, 1e-15));
        QCOMPARE(method->radii(0)->names, std::vector<std::string>{"w"});
    }

    // On a ResNet with random steps, every layer ends each step within its radius (max MARS
    // row norm <= gamma), and the radii move.
    void ftpKeepsEveryLayerWithinItsRadius() {
        torch::manual_seed(4);
        auto model = create_model({"demo_resnet", 3, 1, 4});
        model->to(torch::kDouble);
        RunConfig config;
        config.method = "ftp";
        config.ftp.lr = 0.05;
        auto method = create_method(config, anchored_context(*model));
        auto x = torch::randn({4, 1, 12, 12}, torch::kDouble);
        auto y = torch::tensor({0, 1, 2, 0}, torch::kLong);
        auto optimizer = torch::optim::SGD(model->parameters(), torch::optim::SGDOptions(0.1));
        std::vector<double> first;
        for (int64_t step = 1; step <= 6; ++step) {
            optimizer.zero_grad();
            torch::cross_entropy_loss(model->forward(x), y).backward();
            optimizer.step();
            method->after_optimizer_step(step);
            QVERIFY(method->radii_updated_at(step));
            const auto snap = *method->radii(step);
            QVERIFY(!snap.names.empty());
            for (std::size_t i = 0; i < snap.names.size(); ++i) {
                QVERIFY2(snap.names[i].rfind("fc.", 0) != 0, snap.names[i].c_str());
                QVERIFY2(snap.distance[i] <= snap.radius[i] * (1 + 1e-9) + 1e-12,
                         snap.names[i].c_str());
            }
            if (step == 1) first = snap.radius;
            if (step == 6) QVERIFY(snap.radius != first);
        }
    }

    // a = 0 gives the pre-trained tensors exactly (BatchNorm statistics too), a = 1 the
    // fine-tuned ones; the new head stays fine-tuned all along the path.
    void wiseEndsAtBothEndpoints() {
        torch::manual_seed(5);
        auto model = create_model({"demo_resnet", 3, 1, 4});
        RunConfig config;
        config.method = "wise";
        config.wise.alpha = 0.3;
        auto method = create_method(config, anchored_context(*model));
        QCOMPARE(method->path_points().size(), std::size_t(11));
        QCOMPARE(method->path_points().back(), 1.0);
        auto state = [&] {
            std::map<std::string, torch::Tensor> out;
            for (const auto& p : model->named_parameters())
                out[p.key()] = p.value().detach().clone();
            for (const auto& b : model->named_buffers()) out[b.key()] = b.value().clone();
            return out;
        };
        const auto pretrained = state();
        {  // "fine-tuning"
            torch::NoGradGuard no_grad;
            for (auto& p : model->parameters()) p.add_(0.1 * torch::randn_like(p));
            model->train();
            model->forward(torch::randn({4, 1, 12, 12}));  // moves BatchNorm's statistics
        }
        const auto finetuned = state();
        const std::string head = model->head_prefix();
        method->move_along_path(0);
        for (const auto& [name, t] : state()) {
            const bool in_head = name.rfind(head, 0) == 0;
            const bool integral = !t.is_floating_point();
            QVERIFY2(
                torch::equal(t, in_head || integral ? finetuned.at(name) : pretrained.at(name)),
                name.c_str());
        }
        method->move_along_path(1);
        for (const auto& [name, t] : state())
            QVERIFY2(torch::equal(t, finetuned.at(name)), name.c_str());
        method->on_training_end();  // the final model: a = 0.3
        const auto mixed = state();
        const auto& w = mixed.at("conv1.weight");
        QVERIFY(torch::allclose(
            w, 0.7 * pretrained.at("conv1.weight") + 0.3 * finetuned.at("conv1.weight"), 1e-5,
            1e-7));
        QVERIFY(torch::allclose(
            mixed.at("bn1.running_mean"),
            0.7 * pretrained.at("bn1.running_mean") + 0.3 * finetuned.at("bn1.running_mean"), 1e-5,
            1e-7));
    }

    void l2spAddsThePenaltyGradient() {
        torch::manual_seed(2);
        auto model = create_model({"demo_resnet", 3, 1, 4});
        model->to(torch::kDouble);
        RunConfig config;
        config.method = "l2sp";
        config.l2sp.alpha = 0.3;
        config.l2sp.beta = 0.05;
        const MethodContext ctx = anchored_context(*model);
        auto method = create_method(config, ctx);
        QCOMPARE(method->name(), std::string("l2sp"));
        QVERIFY(!method->weight_decay_applies_to("fc.weight"));  // replaces plain decay
        {                                                        // fine-tuned away from the anchors
            torch::NoGradGuard no_grad;
            for (auto& p : model->parameters()) p.add_(0.1 * torch::randn_like(p));
        }
        auto x = torch::randn({4, 1, 12, 12}, torch::kDouble);
        auto y = torch::tensor({0, 1, 2, 0}, torch::kLong);
        model->train();

        // Autograd of loss + alpha/2 ||w - w0||^2 + beta/2 ||head||^2.
        model->zero_grad();
        auto loss = torch::cross_entropy_loss(model->forward(x), y);
        std::map<std::string, torch::Tensor> anchors(ctx.anchors.begin(), ctx.anchors.end());
        for (auto& p : model->named_parameters()) {
            auto it = anchors.find(p.key());
            loss = loss + (it != anchors.end()
                               ? config.l2sp.alpha / 2 * (p.value() - it->second).square().sum()
                               : config.l2sp.beta / 2 * p.value().square().sum());
        }
        loss.backward();
        std::map<std::string, torch::Tensor> expected;
        for (auto& p : model->named_parameters()) expected[p.key()] = p.value().grad().clone();

        // The method's: the data loss's gradient plus what before_optimizer_step adds.
        // (BatchNorm in train mode: the same batch statistics in both passes.)
        model->zero_grad();
        torch::cross_entropy_loss(model->forward(x), y).backward();
        method->before_optimizer_step(1);
        for (auto& p : model->named_parameters())
            QVERIFY2(torch::allclose(p.value().grad(), expected[p.key()], 1e-10, 1e-12),
                     p.key().c_str());
        QVERIFY(!anchors.count("fc.weight"));  // the head took the beta term
    }
};

QTEST_APPLESS_MAIN(TestMethods)
#include "test_methods.moc"
