// SPDX-License-Identifier: GPL-3.0-or-later
// Fine-tuning methods other than TPGM (whose maths has its own suites): L2-SP's gradient equals
// autograd of the loss with its penalty written out.
#include "config/run_config.h"
#include "methods/method.h"
#include "models/registry.h"
#include "optim/optim.h"

#include <torch/torch.h>
#include <QtTest/QtTest>

using namespace tpgm;

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
