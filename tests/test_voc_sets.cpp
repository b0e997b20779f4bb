// SPDX-License-Identifier: GPL-3.0-or-later
// The data=voc source on a tiny generated VOC tree: sizes, classes, aligned training pairs,
// full-resolution and resized evaluation, corrupted OOD sets, determinism and bad inputs.
#include "data/voc_sets.h"

#include "test_files.h"

#include <torch/torch.h>
#include <QtTest/QtTest>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <functional>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

using namespace tpgm;
namespace fs = std::filesystem;

namespace {

// Grey level of the image where the mask holds class k: the mask is drawn into the image, so
// that the two can be compared after augmentation.
constexpr int kLevels[3] = {30, 130, 220};

// Runs `f` and returns the DatasetError's message; empty when nothing was thrown.
std::string dataset_error(const std::function<void()>& f) {
    try {
        f();
    } catch (const DatasetError& e) {
        return e.what();
    }
    return {};
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A mask of classes 0..2 in large blocks (shifted by `variant`), with a border row of 255.
cv::Mat make_mask(int w, int h, int variant) {
    cv::Mat mask(h, w, CV_8U, cv::Scalar(0));
    mask(cv::Rect(w / 4 + variant, h / 4, w / 3, h / 2)).setTo(1);
    mask(cv::Rect(w / 2 + variant, 0, w / 2 - variant, h / 3)).setTo(2);
    mask.row(h - 1).setTo(kVocIgnore);
    return mask;
}

// The image drawn from the mask (BGR for imwrite; grey, so RGB and BGR agree).
cv::Mat image_from_mask(const cv::Mat& mask) {
    cv::Mat image(mask.size(), CV_8UC3, cv::Scalar::all(90));
    for (int k = 0; k < 3; ++k) image.setTo(cv::Scalar::all(kLevels[k]), mask == k);
    return image;
}

}  // namespace

class TestVocSets : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    fs::path voc_;
    std::vector<cv::Size> sizes_;  // of train ids t0.. and val ids v0..
    std::vector<std::string> train_ids_, val_ids_;

    fs::path root() const { return fs::path(dir_.path().toStdString()); }

    void write_pair(const fs::path& voc, const std::string& id, const cv::Mat& mask, bool palette) {
        fs::create_directories(voc / "JPEGImages");
        fs::create_directories(voc / "SegmentationClass");
        cv::imwrite((voc / "JPEGImages" / (id + ".jpg")).string(), image_from_mask(mask),
                    {cv::IMWRITE_JPEG_QUALITY, 98});
        cv::imwrite((voc / "SegmentationClass" / (id + ".png")).string(),
                    palette ? colorize_voc_mask(mask) : mask);
    }

    RunConfig config() const {
        RunConfig c;
        c.data = "voc";
        c.seg.root = voc_.string();
        c.seg.crop = 32;
        c.seg.corruptions = {"fog", "gaussian_noise"};
        c.seg.severities = {1, 3};
        return c;
    }

    // A copy of the clean tree to break in one way.
    fs::path copy_tree(const std::string& name) const {
        const fs::path to = root() / name;
        fs::copy(voc_, to, fs::copy_options::recursive);
        return to;
    }

  private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        voc_ = root() / "VOC2012";
        const std::vector<cv::Size> shapes = {{48, 36}, {40, 40}, {36, 48}, {52, 30}};
        std::string train, val;
        for (int i = 0; i < 10; ++i) {
            const std::string id = "t" + std::to_string(i);
            const cv::Size s = shapes[i % shapes.size()];
            write_pair(voc_, id, make_mask(s.width, s.height, i % 3), i % 2 == 0);
            train += id + "\n";
            train_ids_.push_back(id);
        }
        for (int i = 0; i < 3; ++i) {
            const std::string id = "v" + std::to_string(i);
            const cv::Size s = shapes[(i + 1) % shapes.size()];
            sizes_.push_back(s);
            write_pair(voc_, id, make_mask(s.width, s.height, i), i == 1);
            val += id + "\n\n";  // blank lines are no ids
            val_ids_.push_back(id);
        }
        write_text(voc_ / "ImageSets" / "Segmentation" / "train.txt", train);
        write_text(voc_ / "ImageSets" / "Segmentation" / "val.txt", val);
        write_text(voc_ / "ImageSets" / "Segmentation" / "proj.txt", "t0\nt1\n");
    }

    void sizesAndClassNames() {
        std::vector<std::string> warnings;
        int64_t progress_calls = 0;
        LoadCallbacks callbacks;
        callbacks.warn = [&](const std::string& w) { warnings.push_back(w); };
        callbacks.progress = [&](const std::string&, int64_t, int64_t) { ++progress_calls; };
        const RunSets sets = load_voc_run_sets(config(), callbacks);
        QCOMPARE(sets.train->size(), int64_t(9));  // 10% of train split off
        QCOMPARE(sets.proj->size(), int64_t(1));
        QCOMPARE(sets.test->size(), int64_t(3));
        QCOMPARE(sets.class_names, voc_class_names());
        QCOMPARE(sets.channels, int64_t(3));
        QVERIFY(sets.pretrained_checkpoint.empty());
        QCOMPARE(sets.norm.mean, config().images.mean);
        QCOMPARE(sets.norm.std, config().images.std);
        QVERIFY(warnings.empty());
        QVERIFY(progress_calls > 0);
        for (const auto& set : {sets.train, sets.proj, sets.test}) {
            QVERIFY(set->dense());
            QVERIFY(!set->in_memory());
            QVERIFY(set->augments_per_example());
            QCOMPARE(set->labels().sizes(), (c10::IntArrayRef{set->size()}));
            QCOMPARE(set->labels().abs().sum().item<int64_t>(), int64_t(0));
        }
        QCOMPARE(sets.train->info().name, std::string("id_train"));
        QCOMPARE(sets.proj->info().name, std::string("id_proj"));
        QCOMPARE(sets.test->info().name, std::string("id_test"));
        // The split is fixed: a second load holds out the same example, outside train.
        const RunSets again = load_voc_run_sets(config(), {});
        QCOMPARE(again.proj->source(0), sets.proj->source(0));
        for (int64_t i = 0; i < sets.train->size(); ++i)
            QVERIFY(sets.train->source(i) != sets.proj->source(0));

        // An explicit projection split and a class file (names may hold spaces).
        RunConfig c = config();
        c.seg.proj = "proj";
        write_text(root() / "classes.txt", "background\n  potted plant \n\nperson\n");
        c.seg.classes = (root() / "classes.txt").string();
        const RunSets named = load_voc_run_sets(c, {});
        QCOMPARE(named.train->size(), int64_t(10));
        QCOMPARE(named.proj->size(), int64_t(2));
        QCOMPARE(named.class_names,
                 (std::vector<std::string>{"background", "potted plant", "person"}));
    }

    void trainingPairsStayAligned() {
        const RunSets sets = load_voc_run_sets(config(), {});
        std::vector<int64_t> all(sets.train->size());
        std::iota(all.begin(), all.end(), 0);
        int64_t scored = 0, agree = 0, padded = 0, agree_flipped = 0;
        for (uint64_t seed : {1u, 2u, 3u}) {
            const SetBatch b = sets.train->load(all, Transform::Train, seed);
            QCOMPARE(b.skipped, int64_t(0));
            QCOMPARE(b.images.sizes(), (c10::IntArrayRef{sets.train->size(), 3, 32, 32}));
            QCOMPARE(b.labels.sizes(), (c10::IntArrayRef{sets.train->size(), 32, 32}));
            QCOMPARE(b.images.scalar_type(), torch::kUInt8);
            QCOMPARE(b.labels.scalar_type(), torch::kInt64);
            const auto grey = b.images.select(1, 0).to(torch::kInt64);  // [B, 32, 32]
            for (int k = 0; k < 3; ++k) {
                const auto where = b.labels == k;
                const auto close = (grey - kLevels[k]).abs() <= 40;
                scored += where.sum().item<int64_t>();
                agree += (where & close).sum().item<int64_t>();
                // The control: the same check against masks flipped alone must fail it.
                agree_flipped += (b.labels.flip(-1) == k).logical_and(close).sum().item<int64_t>();
            }
            // Padding (scaled-down pairs smaller than the crop): mask 255 where the image is the
            // ImageNet-mean fill.
            const auto fill = (b.images.select(1, 0) == 124) & (b.images.select(1, 1) == 116) &
                              (b.images.select(1, 2) == 104);
            padded += fill.sum().item<int64_t>();
            QVERIFY(((b.labels == kIgnoreLabel) | ~fill).all().item<bool>());
        }
        QVERIFY(scored > 1000);
        QVERIFY(padded > 0);  // min_scale 0.5 of images under 64 px always pads a 32 crop
        // Bilinear blends at region borders (a pixel wide) are the only disagreement; misaligned
        // pairs (a flip or crop of one alone) would disagree on a third or more.
        qInfo("aligned pixels: %lld of %lld", static_cast<long long>(agree),
              static_cast<long long>(scored));
        QVERIFY(agree_flipped < scored * 80 / 100);
        QVERIFY2(agree >= scored * 95 / 100,
                 (std::to_string(agree) + " of " + std::to_string(scored)).c_str());
    }

    void determinism() {
        const RunSets sets = load_voc_run_sets(config(), {});
        const std::vector<int64_t> idx = {4, 0, 7};
        const SetBatch a = sets.train->load(idx, Transform::Train, 11);
        const SetBatch b = sets.train->load(idx, Transform::Train, 11);
        QVERIFY(torch::equal(a.images, b.images));
        QVERIFY(torch::equal(a.labels, b.labels));
        const SetBatch c = sets.train->load(idx, Transform::Train, 12);
        QVERIFY(!torch::equal(a.images, c.images) || !torch::equal(a.labels, c.labels));
        // Per example: an example's pair does not depend on the rest of its batch.
        const SetBatch one = sets.train->load({7}, Transform::Train, 11);
        QVERIFY(torch::equal(one.images[0], a.images[2]));
        QVERIFY(torch::equal(one.labels[0], a.labels[2]));
        // A second, separately built set gives the same batch.
        const RunSets other = load_voc_run_sets(config(), {});
        QVERIFY(torch::equal(other.train->load(idx, Transform::Train, 11).images, a.images));
    }

    void evaluationFullResolution() {
        const RunSets sets = load_voc_run_sets(config(), {});
        QVERIFY(sets.test->variable_size());
        for (int64_t i = 0; i < sets.test->size(); ++i) {
            const SetBatch b = sets.test->load({i}, Transform::Eval, 0);
            const cv::Size s = sizes_[i];
            QCOMPARE(b.images.sizes(), (c10::IntArrayRef{1, 3, s.height, s.width}));
            QCOMPARE(b.labels.sizes(), (c10::IntArrayRef{1, s.height, s.width}));
            // Exactly the decoded mask (palette and index PNGs alike).
            const cv::Mat mask = make_mask(s.width, s.height, static_cast<int>(i));
            const auto expected =
                torch::from_blob(mask.data, {s.height, s.width}, torch::kUInt8).to(torch::kInt64);
            QVERIFY(torch::equal(b.labels[0], expected));
        }
        // Images of different sizes cannot share a batch.
        QVERIFY(contains(dataset_error([&] {
                             sets.test->load({0, 1}, Transform::Eval, 0);
                         }),
                         "one per batch"));
    }

    void reduceZeroLabelReadsZeroAsUnlabelled() {
        // mmsegmentation's PASCAL-Context 59 masks: 0 unlabelled, 1..59 the classes, 255 border.
        const fs::path path = root() / "context59.png";
        cv::Mat mask = make_mask(20, 10, 0);
        mask.at<uint8_t>(0, 0) = 1;
        mask.at<uint8_t>(0, 1) = 59;
        mask.at<uint8_t>(0, 2) = 255;
        QVERIFY(cv::imwrite(path.string(), mask));
        const cv::Mat read = decode_voc_mask(path.string(), 59, true);
        QCOMPARE(read.at<uint8_t>(0, 0), uint8_t(0));
        QCOMPARE(read.at<uint8_t>(0, 1), uint8_t(58));
        QCOMPARE(read.at<uint8_t>(0, 2), uint8_t(255));
        for (int y = 0; y < mask.rows; ++y)
            for (int x = 0; x < mask.cols; ++x) {
                const int v = mask.at<uint8_t>(y, x);
                QCOMPARE(int(read.at<uint8_t>(y, x)), v == 0 || v == 255 ? 255 : v - 1);
            }
        // Without the key 59 is out of 59 classes; with it, 60 is.
        QVERIFY(contains(dataset_error([&] { decode_voc_mask(path.string(), 59); }), "label 59"));
        mask.at<uint8_t>(0, 1) = 60;
        QVERIFY(cv::imwrite(path.string(), mask));
        const std::string e = dataset_error([&] { decode_voc_mask(path.string(), 59, true); });
        QVERIFY2(contains(e, "label 60") && contains(e, "0 unlabelled"), e.c_str());
        // Through a run's sets: every 0 of the files becomes unscored, the rest shift down.
        RunConfig c = config();
        c.seg.reduce_zero_label = true;
        c.seg.corruptions.clear();
        const RunSets sets = load_voc_run_sets(c, {});
        for (int64_t i = 0; i < sets.test->size(); ++i) {
            const SetBatch b = sets.test->load({i}, Transform::Eval, 0);
            const cv::Size sz = sizes_[i];
            const cv::Mat file = make_mask(sz.width, sz.height, static_cast<int>(i));
            const auto raw =
                torch::from_blob(file.data, {sz.height, sz.width}, torch::kUInt8).to(torch::kInt64);
            const auto expected = torch::where(raw == 0, torch::full_like(raw, 255),
                                               torch::where(raw == 255, raw, raw - 1));
            QVERIFY(torch::equal(b.labels[0], expected));
        }
    }

    void evaluationResized() {
        RunConfig c = config();
        c.seg.eval_size = 24;
        const RunSets sets = load_voc_run_sets(c, {});
        QVERIFY(!sets.test->variable_size());
        const SetBatch b = sets.test->load({0, 1, 2}, Transform::Eval, 0);
        QCOMPARE(b.images.sizes(), (c10::IntArrayRef{3, 3, 24, 24}));
        QCOMPARE(b.labels.sizes(), (c10::IntArrayRef{3, 24, 24}));
        // Masks are resized nearest: no label appears that the originals lack.
        QVERIFY(((b.labels <= 2) | (b.labels == kIgnoreLabel)).all().item<bool>());
        // Evaluation ignores the seed.
        QVERIFY(torch::equal(sets.test->load({0, 1, 2}, Transform::Eval, 99).images, b.images));
    }

    void corruptedSets() {
        RunConfig c = config();
        c.seg.eval_size = 24;
        const RunSets sets = load_voc_run_sets(c, {});
        const std::vector<std::pair<std::string, int>> expected = {
            {"fog", 1}, {"fog", 3}, {"gaussian_noise", 1}, {"gaussian_noise", 3}};
        QCOMPARE(sets.ood.size(), expected.size());
        const SetBatch clean = sets.test->load({0, 1, 2}, Transform::Eval, 0);
        for (std::size_t k = 0; k < expected.size(); ++k) {
            const auto& set = sets.ood[k];
            const SetInfo& info = set->info();
            QCOMPARE(info.name, expected[k].first + "-" + std::to_string(expected[k].second));
            QCOMPARE(info.kind, SetKind::Corruption);
            QCOMPARE(info.corruption, expected[k].first);
            QCOMPARE(info.severity, expected[k].second);
            QVERIFY(set->dense());
            QCOMPARE(set->size(), sets.test->size());
            const SetBatch b = set->load({0, 1, 2}, Transform::Eval, 0);
            QCOMPARE(b.images.sizes(), clean.images.sizes());
            QVERIFY(torch::equal(b.labels, clean.labels));  // corruption leaves the labels
            QVERIFY(!torch::equal(b.images, clean.images));
            // Deterministic, whatever the batch seed.
            QVERIFY(torch::equal(set->load({0, 1, 2}, Transform::Eval, 5).images, b.images));
            QVERIFY(torch::equal(set->load({1}, Transform::Eval, 0).images[0], b.images[1]));
        }
        // Higher severity moves further from the clean images.
        const auto distance = [&](std::size_t k) {
            return (sets.ood[k]->load({0, 1, 2}, Transform::Eval, 0).images.to(torch::kFloat) -
                    clean.images.to(torch::kFloat))
                .abs()
                .mean()
                .item<double>();
        };
        QVERIFY(distance(3) > distance(2));
    }

    void unreadableImagesAreSkipped() {
        const fs::path voc = copy_tree("unreadable");
        write_text(voc / "JPEGImages" / "v1.jpg", "not an image");
        RunConfig c = config();
        c.seg.root = voc.string();
        std::vector<std::string> warnings;
        LoadCallbacks callbacks;
        callbacks.warn = [&](const std::string& w) { warnings.push_back(w); };
        const RunSets sets = load_voc_run_sets(c, callbacks);
        QCOMPARE(warnings.size(), std::size_t(1));
        QVERIFY2(contains(warnings[0], "v1.jpg") && contains(warnings[0], "id_test"),
                 warnings[0].c_str());
        const SetBatch b = sets.test->load({1}, Transform::Eval, 0);
        QCOMPARE(b.skipped, int64_t(1));
        QCOMPARE(b.images.size(0), int64_t(0));
        QCOMPARE(b.labels.size(0), int64_t(0));
    }

    void badInputsNameTheFile() {
        // A missing mask.
        {
            const fs::path voc = copy_tree("missing");
            fs::remove(voc / "SegmentationClass" / "t3.png");
            RunConfig c = config();
            c.seg.root = voc.string();
            const std::string e = dataset_error([&] { load_voc_run_sets(c, {}); });
            QVERIFY2(contains(e, "t3.png"), e.c_str());
        }
        // A label beyond the classes (index PNG), found when the pair is loaded.
        {
            const fs::path voc = copy_tree("label");
            cv::Mat mask = make_mask(sizes_[0].width, sizes_[0].height, 0);
            mask.at<uint8_t>(5, 7) = 30;
            cv::imwrite((voc / "SegmentationClass" / "v0.png").string(), mask);
            RunConfig c = config();
            c.seg.root = voc.string();
            const RunSets sets = load_voc_run_sets(c, {});
            const std::string e = dataset_error([&] { sets.test->load({0}, Transform::Eval, 0); });
            QVERIFY2(contains(e, "v0.png") && contains(e, "label 30 at pixel (7, 5)") &&
                         contains(e, "none of the 21 class labels"),
                     e.c_str());
        }
        // Sizes that differ: found up front, from the headers, naming both files.
        {
            const fs::path voc = copy_tree("size");
            cv::imwrite((voc / "SegmentationClass" / "t2.png").string(), make_mask(20, 20, 0));
            RunConfig c = config();
            c.seg.root = voc.string();
            const std::string e = dataset_error([&] { load_voc_run_sets(c, {}); });
            QVERIFY2(contains(e, "t2.jpg") && contains(e, "t2.png") && contains(e, "20x20"),
                     e.c_str());
            // And when a set over such a pair is loaded directly.
            const auto samples = read_voc_split(voc.string(), "train");
            const auto set = make_voc_set(samples, {"direct"}, {});
            const std::string at_load = dataset_error([&] { set->load({2}, Transform::Eval, 0); });
            QVERIFY2(contains(at_load, "t2.jpg") && contains(at_load, "t2.png"), at_load.c_str());
        }
        // An empty list, a missing list.
        {
            const fs::path voc = copy_tree("empty");
            write_text(voc / "ImageSets" / "Segmentation" / "val.txt", "\n\n");
            RunConfig c = config();
            c.seg.root = voc.string();
            const std::string e = dataset_error([&] { load_voc_run_sets(c, {}); });
            QVERIFY2(contains(e, "val.txt") && contains(e, "empty"), e.c_str());
            c.seg.test = "nosuch";
            const std::string missing = dataset_error([&] { load_voc_run_sets(c, {}); });
            QVERIFY2(contains(missing, "nosuch.txt"), missing.c_str());
        }
        // Class files: empty, a duplicate, missing.
        {
            RunConfig c = config();
            write_text(root() / "empty_classes.txt", "\n  \n");
            c.seg.classes = (root() / "empty_classes.txt").string();
            QVERIFY(
                contains(dataset_error([&] { load_voc_run_sets(c, {}); }), "empty_classes.txt"));
            write_text(root() / "dup_classes.txt", "background\nperson\ncar\nperson\n");
            c.seg.classes = (root() / "dup_classes.txt").string();
            const std::string dup = dataset_error([&] { load_voc_run_sets(c, {}); });
            QVERIFY2(contains(dup, "dup_classes.txt") && contains(dup, "'person'") &&
                         contains(dup, "lines 2 and 4"),
                     dup.c_str());
            c.seg.classes = (root() / "no_classes.txt").string();
            QVERIFY(contains(dataset_error([&] { load_voc_run_sets(c, {}); }), "no_classes.txt"));
        }
        // A training split too small to hold out a projection set.
        {
            const fs::path voc = copy_tree("tiny");
            write_text(voc / "ImageSets" / "Segmentation" / "train.txt", "t0\n");
            RunConfig c = config();
            c.seg.root = voc.string();
            QVERIFY(contains(dataset_error([&] { load_voc_run_sets(c, {}); }), "seg.proj"));
        }
    }

    void otherLayoutsAndClassCounts() {
        // PASCAL-Context's layout: its own mask folder and lists, 60 classes in index PNGs.
        const fs::path ctx = root() / "context";
        fs::create_directories(ctx / "JPEGImages");
        fs::create_directories(ctx / "SegmentationClassContext");
        cv::Mat mask = make_mask(40, 30, 0);
        mask.at<uint8_t>(2, 3) = 59;
        cv::imwrite((ctx / "JPEGImages" / "c0.jpg").string(), image_from_mask(mask));
        cv::imwrite((ctx / "SegmentationClassContext" / "c0.png").string(), mask);
        write_text(ctx / "lists" / "val.txt", "c0\n");
        VocLayout layout;
        layout.root = ctx.string();
        layout.masks = "SegmentationClassContext";
        layout.lists = "lists";
        const auto samples = read_voc_split(layout, "val");
        QCOMPARE(samples.size(), std::size_t(1));
        QCOMPARE(load_voc_pair(samples[0], 60).mask.at<uint8_t>(2, 3), uint8_t(59));
        const std::string e = dataset_error([&] { load_voc_pair(samples[0], 21); });
        QVERIFY2(contains(e, "c0.png") && contains(e, "label 59 at pixel (3, 2)") &&
                     contains(e, "none of the 21 class labels"),
                 e.c_str());
        // Human parts: 7 classes; a palette colour of class 7 is outside them.
        cv::Mat parts = make_mask(40, 30, 0);
        parts.at<uint8_t>(1, 1) = 6;
        const std::string parts_path = (ctx / "parts.png").string();
        cv::imwrite(parts_path, colorize_voc_mask(parts));
        QCOMPARE(decode_voc_mask(parts_path, 7).at<uint8_t>(1, 1), uint8_t(6));
        parts.at<uint8_t>(1, 1) = 7;
        cv::imwrite(parts_path, colorize_voc_mask(parts));
        QVERIFY(contains(dataset_error([&] { decode_voc_mask(parts_path, 7); }),
                         "none of the 7 class labels"));
        // Header sizes without decoding: PNG, JPEG; nothing for other bytes.
        QCOMPARE(image_header_size(parts_path), std::optional<cv::Size>(cv::Size(40, 30)));
        QCOMPARE(image_header_size((ctx / "JPEGImages" / "c0.jpg").string()),
                 std::optional<cv::Size>(cv::Size(40, 30)));
        write_text(ctx / "junk.jpg", "junk");
        QVERIFY(!image_header_size((ctx / "junk.jpg").string()));
        QVERIFY(!image_header_size((ctx / "absent.png").string()));
    }
};

QTEST_APPLESS_MAIN(TestVocSets)
#include "test_voc_sets.moc"
