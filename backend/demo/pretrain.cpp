// SPDX-License-Identifier: GPL-3.0-or-later
#include "demo/pretrain.h"

#include "checkpoints/checkpoint.h"
#include "models/registry.h"
#include "optim/optim.h"

#include <torch/torch.h>

namespace tpgm {

namespace {
constexpr int64_t kBatch = 128;        // pre-training batch size
constexpr double kLearningRate = 0.1;  // SGD peak learning rate, cosine to zero
}  // namespace

void pretrain_demo_backbone(const DemoConfig& config, const TensorDataset& set, int64_t num_classes,
                            const Normalization& norm, const std::string& checkpoint_path,
                            const ProgressFn& progress, const torch::Device& device) {
    torch::manual_seed(config.seed);
    const ModelSpec spec{"demo_resnet", num_classes, set.images.size(1), config.width};
    auto model = create_model(spec);  // initialised on the CPU, then moved: the same start
    model->to(device);
    OptimConfig opt;
    opt.lr = kLearningRate;
    auto optimizer = make_optimizer(opt, model->parameters());
    const int64_t steps_per_epoch = set.size() / kBatch;
    const int64_t total = steps_per_epoch * config.pretrain_epochs;
    std::mt19937_64 rng(config.seed);
    model->train();
    int64_t step = 0;
    for (int64_t epoch = 0; epoch < config.pretrain_epochs; ++epoch) {
        auto order = epoch_order(set.size(), config.seed, epoch);
        for (int64_t b = 0; b < steps_per_epoch; ++b) {
            auto idx = order.narrow(0, b * kBatch, kBatch);
            auto images = augment_batch(set.images.index_select(0, idx), rng);
            auto inputs = to_model_input(images, norm, device);
            auto labels = set.labels.index_select(0, idx).to(device);
            set_learning_rate(*optimizer, learning_rate_at(opt, ++step, total));
            optimizer->zero_grad();
            auto loss = torch::cross_entropy_loss(model->forward(inputs), labels);
            loss.backward();
            optimizer->step();
            if (progress && (step % 10 == 0 || step == total))
                progress("pre-training the demo backbone", step, total);
        }
    }
    model->to(torch::kCPU);
    save_checkpoint(checkpoint_path, spec, *model);
}

}  // namespace tpgm
