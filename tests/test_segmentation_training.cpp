// SPDX-License-Identifier: GPL-3.0-or-later
// Segmentation in the engine: the in-memory mask sets keep images and labels aligned, the loss
// ignores unscored pixels, the evaluator scores mean IoU and pixel accuracy from the confusion
// matrix, and the config ties segmentation data to segmentation models.
#include "config/config_schema.h"
#include "config/data_sources.h"
#include "data/mask_tensor_set.h"
#include "engine/evaluator.h"
#include "methods/method.h"

#include <QtTest/QtTest>

#include <torch/torch.h>

using namespace tpgm;

namespace {

constexpr int64_t kLevel = 40;  // grey level per class in the synthetic scenes: label * kLevel

// Scenes whose pixels say their own label: image = mask * kLevel, so that any misalignment of
// image and mask under augmentation shows.
std::pair<torch::Tensor, torch::Tensor> self_describing_scenes(int64_t n, int64_t side,
                                                               int64_t classes) {
    auto masks = torch::randint(0, classes, {n, side / 8, side / 8}, torch::kInt64);
    masks = masks.repeat_interleave(8, 1).repeat_interleave(8, 2);  // 8x8 blocks of one class
    auto images = (masks * kLevel).to(torch::kUInt8).unsqueeze(1);
    return {images, masks};
}

// A "model" that reads the class back from the grey level (and so is right wherever the input
// still says its label); `wrong_as` relabels one class as another to make known mistakes.
class GreyLevelModel : public Classifier {
  public:
    GreyLevelModel(int64_t classes, std::pair<int64_t, int64_t> wrong_as = {-1, -1})
        : classes_(classes), wrong_as_(wrong_as) {}
    torch::Tensor forward(torch::Tensor x) override {
        auto label = (x.squeeze(1) * 255 / kLevel).round().to(torch::kInt64).clamp(0, classes_ - 1);
        if (wrong_as_.first >= 0) label.masked_fill_(label == wrong_as_.first, wrong_as_.second);
        return torch::one_hot(label, classes_).permute({0, 3, 1, 2}).to(torch::kFloat);
    }
    void reset_head(int64_t) override {}
    int64_t num_classes() const override { return classes_; }
    std::string head_prefix() const override { return "head."; }

  private:
    int64_t classes_;
    std::pair<int64_t, int64_t> wrong_as_;
};

const Normalization kIdentity{{0.0}, {1.0}};

}  // namespace

class TestSegmentationTraining : public QObject {
    Q_OBJECT

  private Q_SLOTS:
    void trainingPairsStayAligned() {
        torch::manual_seed(3);
        auto [images, masks] = self_describing_scenes(6, 32, 4);
        const auto set = make_mask_tensor_set(images, masks, {"scenes"});
        QVERIFY(set->dense());
        QCOMPARE(set->labels().sizes().vec(), std::vector<int64_t>{6});
        const SetBatch b = set->load({0, 1, 2, 3, 4, 5}, Transform::Train, 11);
        QCOMPARE(b.images.sizes().vec(), (std::vector<int64_t>{6, 1, 32, 32}));
        QCOMPARE(b.labels.sizes().vec(), (std::vector<int64_t>{6, 32, 32}));
        QCOMPARE(b.labels.scalar_type(), torch::kInt64);
        QVERIFY(!torch::equal(b.labels, masks));  // the augmentation did something
        // Every scored pixel's grey level still says its label (bilinear blending of the image
        // only touches block borders, so compare where the label's 3x3 neighbourhood agrees).
        const auto scored = b.labels != kIgnoreLabel;
        const auto lab = b.labels.to(torch::kFloat).unsqueeze(1);
        const auto flat = torch::max_pool2d(lab, 3, 1, 1).eq(-torch::max_pool2d(-lab, 3, 1, 1));
        const auto inner = flat.squeeze(1).logical_and(scored);
        QVERIFY(inner.sum().item<int64_t>() > 6 * 32 * 32 / 3);
        const auto said = (b.images.squeeze(1).to(torch::kFloat) / kLevel).round();
        QVERIFY(torch::equal(said.masked_select(inner), lab.squeeze(1).masked_select(inner)));
        // Padding of a scaled-down scene is unscored.
        QVERIFY(b.labels.masked_select(scored.logical_not()).eq(kIgnoreLabel).all().item<bool>());
        // A pure function of (indices, seed), example by example.
        const SetBatch again = set->load({0, 1, 2, 3, 4, 5}, Transform::Train, 11);
        QVERIFY(torch::equal(again.images, b.images) && torch::equal(again.labels, b.labels));
        const SetBatch single = set->load({3}, Transform::Train, 11);
        QVERIFY(torch::equal(single.labels[0], b.labels[3]));
        const SetBatch eval = set->load({2}, Transform::Eval, 11);
        QVERIFY(torch::equal(eval.labels[0], masks[2]) && torch::equal(eval.images[0], images[2]));
    }

    void badShapesAreRefused() {
        auto [images, masks] = self_describing_scenes(2, 16, 3);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 make_mask_tensor_set(images, masks.slice(1, 0, 8), {"x"}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 make_mask_tensor_set(images.to(torch::kFloat), masks, {"x"}));
    }

    void theLossIgnoresUnscoredPixels() {
        torch::manual_seed(1);
        auto logits = torch::randn({2, 3, 4, 5});
        auto labels = torch::randint(0, 3, {2, 4, 5}, torch::kInt64);
        labels[0][1].fill_(kIgnoreLabel);
        labels[1][3][2] = kIgnoreLabel;
        const auto keep = labels != kIgnoreLabel;
        // Cross-entropy over the scored pixels only, by hand.
        const auto logp = torch::log_softmax(logits, 1).permute({0, 2, 3, 1});
        const auto picked = logp.masked_select(keep.unsqueeze(-1))
                                .view({-1, 3})
                                .gather(1, labels.masked_select(keep).unsqueeze(1));
        const double expected = -picked.mean().item<double>();
        QCOMPARE(loss_count(labels), static_cast<double>(keep.sum().item<int64_t>()));
        QVERIFY(std::abs(training_loss(logits, labels).item<double>() - expected) < 1e-6);
        // Classification labels [B] keep their meaning, 255 included (a class of ImageNet-1k).
        auto class_logits = torch::randn({2, 300});
        auto class_labels = torch::tensor({255, 7}, torch::kInt64);
        QCOMPARE(loss_count(class_labels), 2.0);
        QVERIFY(std::abs(training_loss(class_logits, class_labels).item<double>() -
                         torch::cross_entropy_loss(class_logits, class_labels).item<double>()) <
                1e-6);
    }

    void evaluationScoresMeanIouAndPixelAccuracy() {
        torch::manual_seed(5);
        auto [images, masks] = self_describing_scenes(5, 16, 3);
        masks[0].slice(0, 0, 2).fill_(kIgnoreLabel);  // unscored, whatever the model says
        const auto set = make_mask_tensor_set(images, masks, {"scenes"});
        GreyLevelModel perfect(3);
        Accuracy a = evaluate(perfect, set, kIdentity, torch::kCPU, {0, 1}, 2);
        QCOMPARE(a.count, int64_t{5});
        QCOMPARE(a.top1, 1.0);
        QCOMPARE(a.top5, 1.0);
        // Class 2 predicted as 1: by hand from the pixel counts per class.
        GreyLevelModel mistaken(3, {2, 1});
        a = evaluate(mistaken, set, kIdentity, torch::kCPU, {0, 1}, 2);
        const auto scored = masks != kIgnoreLabel;
        const double n0 = (masks == 0).sum().item<double>(), n1 = (masks == 1).sum().item<double>(),
                     n2 = (masks == 2).sum().item<double>();
        const double iou0 = 1, iou1 = n1 / (n1 + n2), iou2 = 0;
        QVERIFY(std::abs(a.top1 - (iou0 + iou1 + iou2) / 3) < 1e-12);
        QVERIFY(std::abs(a.top5 - (n0 + n1) / scored.sum().item<double>()) < 1e-12);
        // The tensor-dataset path (corruption sweeps) takes masks too.
        const TensorDataset tensors{"t", images, masks};
        QVERIFY(std::abs(evaluate(mistaken, tensors, kIdentity, torch::kCPU).top1 - a.top1) <
                1e-12);
    }

    void segmentationDataNeedsASegmentationModel() {
        RunConfig c;
        c.data = "seg_demo";
        c.model = "demo_resnet";
        auto issues = validate(c);
        QVERIFY(std::any_of(issues.begin(), issues.end(),
                            [](const ConfigIssue& i) { return i.key == "model"; }));
        c.model = "demo_fcn";
        QVERIFY(validate(c).empty());
        QVERIFY(is_segmentation_run(c));
        c.data = "demo";
        issues = validate(c);
        QVERIFY(std::any_of(issues.begin(), issues.end(),
                            [](const ConfigIssue& i) { return i.key == "model"; }));
        c.data = "voc";
        c.model = "deeplabv3_resnet50";
        issues = validate(c);
        QVERIFY(std::any_of(issues.begin(), issues.end(),
                            [](const ConfigIssue& i) { return i.key == "seg.root"; }));
    }
};

QTEST_GUILESS_MAIN(TestSegmentationTraining)
#include "test_segmentation_training.moc"
