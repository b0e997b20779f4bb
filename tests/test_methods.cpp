// SPDX-License-Identifier: GPL-3.0-or-later
// Fine-tuning methods other than TPGM (whose maths has its own suites): L2-SP's gradient equals
// autograd of the loss with its penalty written out; SPD's step equals its rule written out; a
// method's undecayed parameter group gets no weight decay.
#include "config/run_config.h"
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

}  // namespace

class TestMethods : public QObject {
    Q_OBJECT
  private Q_SLOTS:
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

    void l2spAddsThePenaltyGradient() {
        torch::manual_seed(2);
        auto model = create_model({"demo_resnet", 3, 1, 4});
        model->to(torch::kDouble);
        RunConfig config;
        config.method = "l2sp";
        config.l2sp.alpha = 0.3;
        config.l2sp.beta = 0.05;
        MethodContext ctx;
        ctx.model = model.get();
        for (const auto& p : model->named_parameters())
            if (p.key().rfind(model->head_prefix(), 0) != 0)
                ctx.anchors.emplace_back(p.key(), p.value().detach().clone());
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
