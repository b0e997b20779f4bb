// SPDX-License-Identifier: GPL-3.0-or-later
// The segmentation demo's scenes: labels exactly where items are inked, parts in top-to-bottom
// order, reproducible from the seed, bad input refused.
#include "data/idx_reader.h"
#include "segmentation/demo_scenes.h"
#include "tiny_demo.h"

#include <QtTest/QtTest>

#include <torch/torch.h>

using namespace tpgm;

namespace {

constexpr uint8_t kInk = 200;  // brighter than any background pixel

// Two 12x12 items: a 9x8 block (class 0) and a 3-pixel-wide bar (class 1), ink kInk.
std::pair<torch::Tensor, torch::Tensor> block_items() {
    auto items = torch::zeros({2, 1, 12, 12}, torch::kUInt8);
    items[0][0].slice(0, 2, 11).slice(1, 2, 10).fill_(kInk);
    items[1][0].slice(0, 0, 12).slice(1, 5, 8).fill_(kInk);
    return {items, torch::tensor({0, 1}, torch::kInt64)};
}

}  // namespace

class TestSegmentationDemo : public QObject {
    Q_OBJECT

  private Q_SLOTS:
    void semanticLabelsMarkTheInkedPixels() {
        const auto [items, labels] = block_items();
        SceneOptions o;
        o.size = 32;
        const SceneSet set = compose_scenes(items, labels, {"block", "bar"}, 20, o, 5);
        QCOMPARE(set.images.sizes().vec(), (std::vector<int64_t>{20, 1, 32, 32}));
        QCOMPARE(set.masks.sizes().vec(), (std::vector<int64_t>{20, 32, 32}));
        QCOMPARE(set.class_names, (std::vector<std::string>{"background", "block", "bar"}));
        // Ink is the only thing brighter than the background, and exactly what is labelled.
        QVERIFY(torch::equal(set.masks > 0, set.images.squeeze(1) == kInk));
        QVERIFY(set.masks.max().item<int>() <= 2);
        QVERIFY((set.masks == 1).any().item<bool>() && (set.masks == 2).any().item<bool>());
        QVERIFY((set.images.squeeze(1).masked_select(set.masks == 0) <= 90).all().item<bool>());
    }

    void partsAreThirdsFromTheTop() {
        const auto [items, labels] = block_items();
        SceneOptions o;
        o.size = 16;
        o.max_items = 1;
        o.labels = SceneLabels::Parts;
        const SceneSet set =
            compose_scenes(items.slice(0, 0, 1), labels.slice(0, 0, 1), {"block"}, 4, o, 9);
        QCOMPARE(set.class_names.size(), std::size_t{4});
        for (int64_t n = 0; n < 4; ++n) {
            // The block's 9 inked rows: 3 upper, 3 middle, 3 lower, each row one label.
            std::vector<int> rows;
            for (int64_t y = 0; y < 16; ++y) {
                const auto row = set.masks[n][y];
                const auto inked = row.masked_select(row > 0);
                if (inked.numel() == 0) continue;
                QCOMPARE(inked.min().item<int>(), inked.max().item<int>());
                rows.push_back(inked[0].item<int>());
            }
            QCOMPARE(rows, (std::vector<int>{1, 1, 1, 2, 2, 2, 3, 3, 3}));
        }
    }

    void theSeedDecides() {
        const auto [items, labels] = block_items();
        const SceneOptions o;
        const SceneSet a = compose_scenes(items, labels, {"a", "b"}, 5, o, 1);
        const SceneSet b = compose_scenes(items, labels, {"a", "b"}, 5, o, 1);
        const SceneSet c = compose_scenes(items, labels, {"a", "b"}, 5, o, 2);
        QVERIFY(torch::equal(a.images, b.images) && torch::equal(a.masks, b.masks));
        QVERIFY(!torch::equal(a.images, c.images));
    }

    void badInputIsRefused() {
        const auto [items, labels] = block_items();
        SceneOptions small;
        small.size = 8;  // 12x12 items do not fit
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 compose_scenes(items, labels, {"a", "b"}, 1, small, 0));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, compose_scenes(items, labels.slice(0, 0, 1),
                                                                       {"a", "b"}, 1, {}, 0));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 compose_scenes(items, labels, {"only one class"}, 1, {}, 0));
    }

    void fashionMnistScenes() {
        QVERIFY2(fashion_mnist_available(),
                 "Debian's dataset-fashion-mnist is not installed (packaging/install-deps.sh "
                 "installs it)");
        const std::string dir = DemoConfig{}.fashion_mnist_dir;
        const auto images = read_idx_images(dir + "/t10k-images-idx3-ubyte.gz").slice(0, 0, 200);
        const auto labels = read_idx_labels(dir + "/t10k-labels-idx1-ubyte.gz").slice(0, 0, 200);
        std::vector<std::string> names(10);
        const SceneSet set = compose_scenes(images, labels, names, 50, {}, 0);
        // Every labelled pixel is an item's ink, with its class + 1; every class can appear.
        const auto image = set.images.squeeze(1);
        QVERIFY(
            (image.masked_select(set.masks > 0) > SceneOptions{}.ink_threshold).all().item<bool>());
        QVERIFY(set.masks.max().item<int>() <= 10);
        const double labelled = (set.masks > 0).to(torch::kDouble).mean().item<double>();
        QVERIFY2(labelled > 0.1 && labelled < 0.6, qPrintable(QString::number(labelled)));
    }
};

QTEST_GUILESS_MAIN(TestSegmentationDemo)
#include "test_segmentation_demo.moc"
