// SPDX-License-Identifier: GPL-3.0-or-later
// The data layer on generated image trees: data=folders and data=lists through load_file_sets
// (sizes, class order, the projection split, percent subsets, class filtering), clear errors
// before any training, decoding that skips and counts instead of failing, bit-identical batches
// across loader threads and between in-memory and streamed sets, typed OOD sets with class
// subsets, subset-restricted scoring in evaluate(), and the kind-driven OOD aggregates.
#include "config/config_schema.h"
#include "data/batch_stream.h"
#include "data/file_sources.h"
#include "data/image_folder.h"
#include "data/image_set.h"
#include "data/imagenet_subsets.h"
#include "engine/evaluator.h"
#include "models/classifier.h"

#include "test_files.h"

#include <torch/torch.h>
#include <QtTest/QtTest>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <thread>

using namespace tpgm;
namespace fs = std::filesystem;

namespace {

constexpr int kSize = 32;  // images.size of every run here: small and fast

// A random colour image, reproducible from `seed`.
cv::Mat random_image(int w, int h, int seed) {
    cv::Mat m(h, w, CV_8UC3);
    cv::RNG rng(static_cast<uint64_t>(seed) * 7919 + 1);
    rng.fill(m, cv::RNG::UNIFORM, 0, 256);
    return m;
}

// Writes a small image (24..64 px, PNG or JPEG by `seed`) at `p`.
void write_image(const fs::path& p, int seed) {
    fs::create_directories(p.parent_path());
    const int w = 24 + (seed * 13) % 41, h = 24 + (seed * 29) % 41;
    QVERIFY(cv::imwrite(p.string(), random_image(w, h, seed)));
}

// Writes `n` images of class `cls` into `dir`/`cls`, alternating PNG and JPEG.
void write_class(const fs::path& dir, const std::string& cls, int n, int& seed,
                 const std::string& prefix = "img") {
    for (int i = 0; i < n; ++i) {
        ++seed;
        const std::string ext = seed % 2 ? ".png" : ".jpg";
        write_image(dir / cls / (prefix + std::to_string(i) + ext), seed);
    }
}

// An 16x8 CMYK JPEG (Adobe, inverted as Photoshop writes it) of the colour RGB (200, 40, 80),
// written with libjpeg (JCS_CMYK): OpenCV's imwrite cannot write CMYK.
const unsigned char kCmykJpeg[] = {
    0xff, 0xd8, 0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00,
    0x00, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x02, 0x01, 0x01, 0x01, 0x01, 0x01, 0x02,
    0x01, 0x01, 0x01, 0x02, 0x02, 0x02, 0x02, 0x02, 0x04, 0x03, 0x02, 0x02, 0x02, 0x02, 0x05,
    0x04, 0x04, 0x03, 0x04, 0x06, 0x05, 0x06, 0x06, 0x06, 0x05, 0x06, 0x06, 0x06, 0x07, 0x09,
    0x08, 0x06, 0x07, 0x09, 0x07, 0x06, 0x06, 0x08, 0x0b, 0x08, 0x09, 0x0a, 0x0a, 0x0a, 0x0a,
    0x0a, 0x06, 0x08, 0x0b, 0x0c, 0x0b, 0x0a, 0x0c, 0x09, 0x0a, 0x0a, 0x0a, 0xff, 0xc0, 0x00,
    0x14, 0x08, 0x00, 0x08, 0x00, 0x10, 0x04, 0x43, 0x11, 0x00, 0x4d, 0x11, 0x00, 0x59, 0x11,
    0x00, 0x4b, 0x11, 0x00, 0xff, 0xc4, 0x00, 0x16, 0x00, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x08, 0xff, 0xc4,
    0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xda, 0x00, 0x0e, 0x04, 0x43, 0x00, 0x4d, 0x00, 0x59,
    0x00, 0x4b, 0x00, 0x00, 0x3f, 0x00, 0xa4, 0x09, 0x3e, 0xc7, 0xeb, 0xf8, 0x00, 0xff, 0xd9};

template <typename F>
bool throws_dataset_error(F&& f) {
    try {
        f();
    } catch (const DatasetError&) {
        return true;
    }
    return false;
}

// Runs `f`, expecting DatasetError whose message contains every fragment.
template <typename F>
bool throws_naming(F&& f, std::initializer_list<std::string> fragments) {
    try {
        f();
    } catch (const DatasetError& e) {
        const std::string msg = e.what();
        for (const auto& frag : fragments)
            if (msg.find(frag) == std::string::npos) {
                qWarning("message '%s' lacks '%s'", msg.c_str(), frag.c_str());
                return false;
            }
        return true;
    } catch (const std::exception& e) {
        qWarning("expected DatasetError, got '%s'", e.what());
        return false;
    }
    qWarning("no exception");
    return false;
}

std::string parent_name(const std::string& path) {
    return fs::path(path).parent_path().filename().string();
}

std::vector<std::string> sources(const ImageSet& set) {
    std::vector<std::string> out;
    for (int64_t i = 0; i < set.size(); ++i) out.push_back(set.source(i));
    return out;
}

// Every example's label names the folder its file is in.
bool labels_follow_folders(const ImageSet& set, const std::vector<std::string>& classes) {
    const auto labels = set.labels();
    if (labels.size(0) != set.size()) return false;
    for (int64_t i = 0; i < set.size(); ++i) {
        const int64_t l = labels[i].item<int64_t>();
        if (l < 0 || l >= static_cast<int64_t>(classes.size()) ||
            classes[l] != parent_name(set.source(i))) {
            qWarning("%s has label %lld", set.source(i).c_str(), static_cast<long long>(l));
            return false;
        }
    }
    return true;
}

std::map<std::string, int> count_by_folder(const std::vector<std::string>& paths) {
    std::map<std::string, int> n;
    for (const auto& p : paths) ++n[parent_name(p)];
    return n;
}

// Every batch of `jobs`, built by a stream with `threads` workers.
std::vector<SetBatch> all_batches(const ImageSetPtr& set, const std::vector<BatchJob>& jobs,
                                  Transform t, int threads) {
    BatchStream stream(set, jobs, t, {threads, 2});
    std::vector<SetBatch> out;
    SetBatch b;
    while (stream.next(b)) out.push_back(b);
    return out;
}

bool same_batches(const std::vector<SetBatch>& a, const std::vector<SetBatch>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t k = 0; k < a.size(); ++k)
        if (a[k].skipped != b[k].skipped || !torch::equal(a[k].images, b[k].images) ||
            !torch::equal(a[k].labels, b[k].labels))
            return false;
    return true;
}

// A classifier whose logits are its input: a 6-way linear head with identity weights on the
// six [1 x 1] channels of the image, so every example's logits are chosen by its pixels.
class IdentityHead : public Classifier {
  public:
    IdentityHead() {
        fc_ = register_module("fc", torch::nn::Linear(6, 6));
        torch::NoGradGuard no_grad;
        fc_->weight.copy_(torch::eye(6));
        fc_->bias.zero_();
    }
    torch::Tensor forward(torch::Tensor images) override { return fc_(images.flatten(1)); }
    void reset_head(int64_t) override {}
    int64_t num_classes() const override { return 6; }
    std::string head_prefix() const override { return "fc."; }

  private:
    torch::nn::Linear fc_{nullptr};
};

}  // namespace

class TestImageSets : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    fs::path root() const { return fs::path(dir_.path().toStdString()); }

    // DomainNet-style lists: labels in this order (not alphabetical), per-class training counts.
    const std::vector<std::string> dn_classes_ = {"zebra", "airplane", "dog", "bicycle", "cat"};
    const std::vector<int> dn_counts_ = {20, 30, 40, 25, 35};

    RunConfig folders_config() const {
        RunConfig c;
        c.data = "folders";
        c.pretrained = "unused.pt";
        c.folders.train = (root() / "folders" / "train").string();
        c.folders.test = (root() / "folders" / "test").string();
        c.images.size = kSize;
        c.images.loading = "memory";
        c.images.loader_threads = 2;
        return c;
    }

    RunConfig lists_config() const {
        RunConfig c;
        c.data = "lists";
        c.pretrained = "unused.pt";
        c.lists.root = (root() / "dn").string();
        c.lists.train = (root() / "dn" / "clipart_train.txt").string();
        c.lists.test = (root() / "dn" / "clipart_test.txt").string();
        c.images.size = kSize;
        c.images.loading = "stream";
        c.images.loader_threads = 2;
        return c;
    }

    // load_file_sets that must throw DatasetError naming every fragment, before decoding.
    bool load_fails_naming(const RunConfig& c, std::initializer_list<std::string> fragments) {
        int progress_calls = 0;
        LoadCallbacks cb;
        cb.progress = [&](const std::string&, int64_t, int64_t) { ++progress_calls; };
        const bool ok = throws_naming([&] { load_file_sets(c, cb); }, fragments);
        if (progress_calls) qWarning("the error came after %d progress reports", progress_calls);
        return ok && progress_calls == 0;
    }

  private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        int seed = 0;
        // folders/{train,test}/{ant,bee,cat,dog}: 120 training and 32 test images.
        const std::vector<std::pair<std::string, int>> folder_classes = {
            {"ant", 30}, {"bee", 25}, {"cat", 35}, {"dog", 30}};
        for (const auto& [cls, n] : folder_classes) {
            write_class(root() / "folders" / "train", cls, n, seed);
            write_class(root() / "folders" / "test", cls, 8, seed);
        }
        // DomainNet layout: dn/clipart/<class>/{clipart,test}_<i>.jpg and dn/sketch/<class>/...,
        // with lists "clipart/<class>/<file>.jpg <label>".
        std::string train, test, test_two, sketch;
        for (std::size_t c = 0; c < dn_classes_.size(); ++c) {
            const std::string& cls = dn_classes_[c];
            for (int i = 0; i < dn_counts_[c]; ++i) {
                const std::string rel = "clipart/" + cls + "/clipart_" + std::to_string(i) + ".jpg";
                write_image(root() / "dn" / rel, ++seed);
                train += rel + " " + std::to_string(c) + "\n";
            }
            for (int i = 0; i < 6; ++i) {
                const std::string rel = "clipart/" + cls + "/test_" + std::to_string(i) + ".jpg";
                write_image(root() / "dn" / rel, ++seed);
                test += rel + " " + std::to_string(c) + "\n";
                if (cls == "dog" || cls == "zebra")
                    test_two += rel + " " + std::to_string(cls == "dog" ? 0 : 1) + "\n";
            }
        }
        // The sketch domain's list numbers the classes alphabetically, unlike the clipart lists.
        std::vector<std::string> sorted = dn_classes_;
        std::sort(sorted.begin(), sorted.end());
        for (std::size_t c = 0; c < sorted.size(); ++c)
            for (int i = 0; i < 4; ++i) {
                const std::string rel =
                    "sketch/" + sorted[c] + "/sketch_" + std::to_string(i) + ".png";
                write_image(root() / "dn" / rel, ++seed);
                sketch += rel + " " + std::to_string(c) + "\n";
            }
        write_text(root() / "dn" / "clipart_train.txt", train);
        write_text(root() / "dn" / "clipart_test.txt", test);
        write_text(root() / "dn" / "clipart_test_dog_zebra.txt", test_two);
        write_text(root() / "dn" / "sketch_test.txt", sketch);
    }

    // ---- 1. data=folders and data=lists -------------------------------------------------------

    void foldersLoadWithATenPercentProjectionSplit() {
        const RunConfig c = folders_config();
        const RunSets s = load_file_sets(c, {});
        const std::vector<std::string> classes = {"ant", "bee", "cat", "dog"};
        QCOMPARE(s.class_names, classes);
        QCOMPARE(s.proj->size(), int64_t(12));  // 10% of 120
        QCOMPARE(s.train->size(), int64_t(108));
        QCOMPARE(s.test->size(), int64_t(32));
        QVERIFY(s.ood.empty());
        QCOMPARE(s.channels, int64_t(3));
        QCOMPARE(s.norm.mean, c.images.mean);
        QCOMPARE(s.norm.std, c.images.std);
        QVERIFY(s.pretrained_checkpoint.empty());
        QCOMPARE(s.train->info().name, std::string("id_train"));
        QCOMPARE(s.proj->info().name, std::string("id_proj"));
        QCOMPARE(s.test->info().name, std::string("id_test"));
        for (const auto& set : {s.train, s.proj, s.test}) {
            QVERIFY(set->in_memory());
            QVERIFY(set->info().kind == SetKind::InDistribution);
            QVERIFY(labels_follow_folders(*set, classes));
        }
        // The projection split is disjoint from train, and both together are every training file.
        const auto train = sources(*s.train), proj = sources(*s.proj);
        std::set<std::string> train_set(train.begin(), train.end()),
            all(train.begin(), train.end());
        for (const auto& p : proj) {
            QVERIFY2(!train_set.count(p), p.c_str());
            all.insert(p);
        }
        QCOMPARE(all.size(), std::size_t(120));
        for (const auto& p : all) QVERIFY(p.rfind((root() / "folders" / "train").string(), 0) == 0);
        // The split never moves: streaming the same folders gives the same examples.
        RunConfig streamed = c;
        streamed.images.loading = "stream";
        const RunSets again = load_file_sets(streamed, {});
        QVERIFY(!again.train->in_memory());
        QCOMPARE(sources(*again.proj), proj);
        QCOMPARE(sources(*again.train), train);
        QVERIFY(torch::equal(again.train->labels(), s.train->labels()));

        // auto loading: memory while the decoded sets fit in images.memory_mb, else streaming
        // with a warning; progress runs over the sets and ends at its total.
        RunConfig automatic = c;
        automatic.images.loading = "auto";
        automatic.images.memory_mb = 0;
        automatic.ood.push_back({c.folders.test});
        std::vector<std::string> warnings;
        std::vector<std::pair<int64_t, int64_t>> progress;
        LoadCallbacks cb;
        cb.warn = [&](const std::string& w) { warnings.push_back(w); };
        cb.progress = [&](const std::string&, int64_t done, int64_t total) {
            progress.push_back({done, total});
        };
        const RunSets streaming = load_file_sets(automatic, cb);
        QVERIFY(!streaming.train->in_memory() && !streaming.ood.at(0)->in_memory());
        QCOMPARE(warnings.size(), std::size_t(1));
        QVERIFY2(warnings[0].find("images.memory_mb") != std::string::npos, warnings[0].c_str());
        QVERIFY(!progress.empty());
        QVERIFY(progress.back() == (std::pair<int64_t, int64_t>{4, 4}));  // id x3 + one OOD set
        automatic.images.memory_mb = 64;
        warnings.clear();
        const RunSets fitting = load_file_sets(automatic, cb);
        QVERIFY(fitting.train->in_memory() && fitting.ood.at(0)->in_memory());
        QVERIFY(warnings.empty());
    }

    void directoryLinksAreFollowedOnlyWhenAsked() {
        const fs::path linked = root() / "linked_train";
        fs::copy(root() / "folders" / "train", linked, fs::copy_options::recursive);
        fs::create_directory_symlink(root() / "folders" / "test" / "ant", linked / "ant" / "more");
        RunConfig c = folders_config();
        c.folders.train = linked.string();
        const RunSets plain = load_file_sets(c, {});
        QCOMPARE(plain.train->size() + plain.proj->size(), int64_t(120));
        c.folders.follow_links = true;      // the 8 linked test ants join
        c = parse_config_yaml(to_yaml(c));  // the key round-trips through YAML
        QVERIFY(c.folders.follow_links);
        const RunSets followed = load_file_sets(c, {});
        QCOMPARE(followed.train->size() + followed.proj->size(), int64_t(128));
    }

    void foldersClassListAndProjectionFolder() {
        RunConfig c = folders_config();
        write_text(root() / "folder_classes.txt", "# label order\ndog\ncat\nbee\nant\n");
        c.folders.class_list = (root() / "folder_classes.txt").string();
        c.folders.proj = c.folders.test;
        c.images.loading = "stream";
        const RunSets s = load_file_sets(c, {});
        const std::vector<std::string> classes = {"dog", "cat", "bee", "ant"};
        QCOMPARE(s.class_names, classes);
        QCOMPARE(s.train->size(), int64_t(120));  // a given projection folder splits nothing off
        QCOMPARE(s.proj->size(), int64_t(32));
        QCOMPARE(sources(*s.proj), sources(*s.test));
        for (const auto& set : {s.train, s.proj, s.test})
            QVERIFY(labels_follow_folders(*set, classes));
        QCOMPARE(parent_name(s.train->source(0)), std::string("dog"));  // listed first
        QCOMPARE(s.train->labels()[0].item<int64_t>(), int64_t(0));
    }

    void listsLoadInTheirLabelOrder() {
        RunConfig c = lists_config();
        c.ood.push_back({(root() / "dn" / "sketch_test.txt").string()});
        const RunSets s = load_file_sets(c, {});
        QCOMPARE(s.class_names, dn_classes_);
        QCOMPARE(s.train->size() + s.proj->size(), int64_t(150));
        QCOMPARE(s.proj->size(), int64_t(15));
        QCOMPARE(s.test->size(), int64_t(30));
        QVERIFY(!s.train->in_memory());
        for (const auto& set : {s.train, s.proj, s.test})
            QVERIFY(labels_follow_folders(*set, dn_classes_));
        // The sketch list numbers classes alphabetically; its labels follow the run's classes.
        QCOMPARE(s.ood.size(), std::size_t(1));
        QCOMPARE(s.ood[0]->info().name, std::string("sketch_test"));
        QVERIFY(s.ood[0]->info().kind == SetKind::DomainShift);
        QVERIFY(s.ood[0]->info().class_subset.empty());
        QCOMPARE(s.ood[0]->size(), int64_t(20));
        QVERIFY(labels_follow_folders(*s.ood[0], dn_classes_));
        const auto train_v = sources(*s.train);
        const std::set<std::string> train(train_v.begin(), train_v.end());
        for (const auto& p : sources(*s.proj)) QVERIFY2(!train.count(p), p.c_str());
    }

    void listPercentSubsetsAreClassBalancedAndNested() {
        RunConfig c = lists_config();
        c.lists.percent = 20;
        const RunSets twenty = load_file_sets(c, {});
        auto used = sources(*twenty.train);
        const auto proj = sources(*twenty.proj);
        used.insert(used.end(), proj.begin(), proj.end());
        const auto per_class = count_by_folder(used);
        for (std::size_t k = 0; k < dn_classes_.size(); ++k)
            QCOMPARE(per_class.at(dn_classes_[k]),
                     std::max(1, static_cast<int>(std::lround(dn_counts_[k] * 0.2))));
        QCOMPARE(used.size(), std::size_t(30));  // 4 + 6 + 8 + 5 + 7
        QCOMPARE(twenty.proj->size(), int64_t(3));
        QCOMPARE(twenty.test->size(), int64_t(30));  // the test list is never subset
        for (const auto& set : {twenty.train, twenty.proj, twenty.test})
            QVERIFY(labels_follow_folders(*set, dn_classes_));

        c.lists.percent = 50;
        const RunSets fifty = load_file_sets(c, {});
        std::set<std::string> larger;
        for (const auto& set : {fifty.train, fifty.proj})
            for (const auto& p : sources(*set)) larger.insert(p);
        QCOMPARE(larger.size(), std::size_t(10 + 15 + 20 + 13 + 18));     // lround(12.5) = 13
        for (const auto& p : used) QVERIFY2(larger.count(p), p.c_str());  // 20% within 50%

        c.lists.percent = 1;  // at least one image of every class
        const RunSets one = load_file_sets(c, {});
        QCOMPARE(one.train->size() + one.proj->size(), int64_t(5));
    }

    void listClassesFilterAndReindex() {
        RunConfig c = lists_config();
        write_text(root() / "keep.txt", "dog   # first\nzebra\n");
        c.lists.classes = (root() / "keep.txt").string();
        c.lists.test = (root() / "dn" / "clipart_test_dog_zebra.txt").string();
        const RunSets s = load_file_sets(c, {});
        const std::vector<std::string> classes = {"dog", "zebra"};
        QCOMPARE(s.class_names, classes);
        QCOMPARE(s.train->size() + s.proj->size(), int64_t(60));  // 40 dog + 20 zebra
        QCOMPARE(s.proj->size(), int64_t(6));
        QCOMPARE(s.test->size(), int64_t(12));
        for (const auto& set : {s.train, s.proj, s.test})
            QVERIFY(labels_follow_folders(*set, classes));
        c.lists.percent = 10;
        const RunSets ten = load_file_sets(c, {});
        QCOMPARE(ten.train->size() + ten.proj->size(), int64_t(6));  // 4 dog + 2 zebra
        QVERIFY(labels_follow_folders(*ten.train, classes));
    }

    // DomainNet's test lists hold every class: lists.classes must restrict them as it restricts
    // the training list, instead of rejecting the classes it was asked to leave out.
    void listClassesAlsoFilterTheTestList() {
        RunConfig c = lists_config();
        write_text(root() / "keep.txt", "dog\nzebra\n");
        c.lists.classes = (root() / "keep.txt").string();
        RunSets s;
        try {
            s = load_file_sets(c, {});
        } catch (const DatasetError& e) {
            QFAIL(("lists.classes with the full test list: " + std::string(e.what())).c_str());
        }
        QCOMPARE(s.class_names, (std::vector<std::string>{"dog", "zebra"}));
        QCOMPARE(s.test->size(), int64_t(12));
        QVERIFY(labels_follow_folders(*s.test, s.class_names));
    }

    // ---- 2. bad input: clear errors before any decoding ----------------------------------------

    void missingRootOrEmptyClassIsNamed() {
        RunConfig c = folders_config();
        c.folders.train = (root() / "no_such_train").string();
        QVERIFY(load_fails_naming(c, {"no_such_train"}));
        c = folders_config();
        c.folders.test = (root() / "no_such_test").string();
        QVERIFY(load_fails_naming(c, {"no_such_test"}));

        int seed = 500;
        write_class(root() / "empty_class", "ant", 3, seed);
        fs::create_directories(root() / "empty_class" / "lonely_bee");
        c = folders_config();
        c.folders.train = (root() / "empty_class").string();
        QVERIFY(load_fails_naming(c, {"lonely_bee"}));

        // A test class that training lacks is left out, with a warning naming it.
        fs::copy(root() / "folders" / "test", root() / "test_extra_class",
                 fs::copy_options::recursive);
        write_class(root() / "test_extra_class", "zebra", 2, seed);
        c = folders_config();
        c.folders.test = (root() / "test_extra_class").string();
        std::vector<std::string> warnings;
        LoadCallbacks cb;
        cb.warn = [&](const std::string& w) { warnings.push_back(w); };
        QCOMPARE(load_file_sets(c, cb).test->size(), int64_t(32));
        QCOMPARE(warnings.size(), std::size_t(1));
        QVERIFY2(warnings[0].find("left out: zebra") != std::string::npos, warnings[0].c_str());

        // One training image cannot give both a projection split and a training set.
        write_class(root() / "single", "ant", 1, seed);
        c = folders_config();
        c.folders.train = (root() / "single").string();
        QVERIFY(load_fails_naming(c, {"1 image(s)", "folders.proj"}));

        // A test folder lacking a training class is an error.
        write_class(root() / "test_missing_class", "ant", 1, seed);
        c = folders_config();
        c.folders.test = (root() / "test_missing_class").string();
        QVERIFY(load_fails_naming(c, {"test_missing_class"}));

        c = lists_config();
        c.lists.train = (root() / "dn" / "absent_list.txt").string();
        QVERIFY(load_fails_naming(c, {"absent_list.txt"}));
    }

    void malformedListsAreNamedWithTheLine() {
        RunConfig c = lists_config();
        c.lists.train = (root() / "dn" / "bad_line.txt").string();
        write_text(c.lists.train,
                   "clipart/zebra/clipart_0.jpg 0\nclipart/zebra/clipart_1.jpg 0\n"
                   "clipart/zebra/clipart_2.jpg\n");
        QVERIFY(load_fails_naming(c, {"bad_line.txt:3", "clipart_2.jpg"}));
        write_text(c.lists.train,
                   "clipart/zebra/clipart_0.jpg 0\n\nclipart/zebra/clipart_1.jpg zero\n");
        QVERIFY(load_fails_naming(c, {"bad_line.txt:3"}));

        // Missing files: the first few are named, with the count.
        std::string lines = "clipart/zebra/clipart_0.jpg 0\n";
        for (int i = 0; i < 7; ++i) lines += "clipart/zebra/gone_" + std::to_string(i) + ".jpg 0\n";
        write_text(c.lists.train, lines);
        QVERIFY(load_fails_naming(c, {"7 missing", "gone_0.jpg", "gone_1.jpg"}));

        // Label gaps: class 1 has no image.
        write_text(c.lists.train, "clipart/zebra/clipart_0.jpg 0\nclipart/dog/clipart_0.jpg 2\n");
        QVERIFY(load_fails_naming(c, {"bad_line.txt", "class 1"}));

        // A test list with a class the training list does not have.
        c = lists_config();
        c.lists.test = (root() / "dn" / "test_extra.txt").string();
        write_text(c.lists.test,
                   "clipart/zebra/test_0.jpg 0\nsketch/airplane/sketch_0.png 1\n"
                   "sketch/unicycle_is_missing/x.png 2\n");
        QVERIFY(load_fails_naming(c, {"test_extra.txt"}));
        fs::create_directories(root() / "dn" / "sketch" / "unicorn");
        fs::copy_file(root() / "dn" / "sketch" / "airplane" / "sketch_0.png",
                      root() / "dn" / "sketch" / "unicorn" / "u.png");
        write_text(c.lists.test, "clipart/zebra/test_0.jpg 0\nsketch/unicorn/u.png 1\n");
        QVERIFY(load_fails_naming(c, {"test_extra.txt", "unicorn"}));

        // lists.classes naming a class the list does not have.
        c = lists_config();
        write_text(root() / "keep_unknown.txt", "dog\nunicorn\n");
        c.lists.classes = (root() / "keep_unknown.txt").string();
        QVERIFY(load_fails_naming(c, {"keep_unknown.txt", "unicorn"}));
    }

    void badOodSetsAreNamed() {
        int seed = 700;
        // An OOD folder with a class training does not have.
        write_class(root() / "ood_extra", "ant", 2, seed);
        write_class(root() / "ood_extra", "elephant", 2, seed);
        RunConfig c = folders_config();
        c.ood.push_back({(root() / "ood_extra").string()});
        QVERIFY(load_fails_naming(c, {"ood_extra", "elephant"}));

        // A missing OOD folder.
        c = folders_config();
        c.ood.push_back({(root() / "ood_absent").string()});
        QVERIFY(load_fails_naming(c, {"ood_absent"}));

        // A class-subset file with unknown names.
        c = folders_config();
        write_text(root() / "subset_unknown.txt", "ant\nunicorn\n");
        OodSetConfig sub;
        sub.path = c.folders.test;
        sub.name = "restricted";
        sub.classes = (root() / "subset_unknown.txt").string();
        c.ood.push_back(sub);
        QVERIFY(load_fails_naming(c, {"restricted", "unicorn"}));

        // A class subset that leaves out classes the set has images of.
        write_text(root() / "subset_small.txt", "ant\nbee\n");
        c.ood[0].classes = (root() / "subset_small.txt").string();
        QVERIFY(load_fails_naming(c, {"restricted", "outside"}));

        // Two OOD sets with the same name, given or derived from the folder name.
        c = folders_config();
        OodSetConfig a, b;
        a.path = c.folders.test;
        b.path = c.folders.train;
        a.name = b.name = "twin";
        c.ood = {a, b};
        QVERIFY(load_fails_naming(c, {"twin"}));
        write_class(root() / "x" / "sketch", "ant", 1, seed);
        write_class(root() / "y" / "sketch", "bee", 1, seed);
        c.ood = {OodSetConfig{(root() / "x" / "sketch").string()},
                 OodSetConfig{(root() / "y" / "sketch").string()}};
        QVERIFY(load_fails_naming(c, {"sketch"}));
        // Each alone loads.
        c.ood.pop_back();
        QCOMPARE(load_file_sets(c, {}).ood.at(0)->size(), int64_t(1));

        // An OOD list without an image root when the run has none (data=folders).
        c = folders_config();
        c.ood.push_back({(root() / "dn" / "sketch_test.txt").string()});
        QVERIFY(load_fails_naming(c, {"sketch_test", "root"}));
    }

    void validateNamesMissingKeys() {
        RunConfig c = lists_config();
        c.lists.root.clear();
        c.lists.percent = 0;
        c.ood.push_back({});
        const auto issues = validate(c);
        std::set<std::string> keys;
        for (const auto& i : issues) keys.insert(i.key);
        QVERIFY(keys.count("lists.root"));
        QVERIFY(keys.count("lists.percent"));
        QVERIFY(keys.count("ood[0].path"));
        c = folders_config();
        c.folders.train.clear();
        QVERIFY(!validate(c).empty());
        QCOMPARE(validate(c).front().key, std::string("folders.train"));
        QVERIFY(validate(folders_config()).empty());
        QVERIFY(validate(lists_config()).empty());
    }

    // ---- 3. decoding never fails the run -------------------------------------------------------

    void oddFilesAreDecodedOrSkippedAndCounted() {
        const fs::path d = root() / "decode" / "mixed";
        fs::create_directories(d);
        QVERIFY(cv::imwrite((d / "a_colour.png").string(),
                            cv::Mat(30, 40, CV_8UC3, cv::Scalar(10, 20, 30))));  // BGR
        QVERIFY(cv::imwrite((d / "b_grey.png").string(), cv::Mat(30, 30, CV_8UC1, cv::Scalar(77))));
        QVERIFY(cv::imwrite((d / "c_grey16.png").string(),
                            cv::Mat(36, 30, CV_16UC1, cv::Scalar(40000))));
        QVERIFY(cv::imwrite((d / "d_rgb16.png").string(),
                            cv::Mat(30, 50, CV_16UC3, cv::Scalar(2560, 25600, 51200))));
        write_text(d / "e_cmyk.jpg",
                   std::string(reinterpret_cast<const char*>(kCmykJpeg), sizeof kCmykJpeg));
        QVERIFY(cv::imwrite((d / "f_large.jpg").string(),
                            cv::Mat(3000, 4000, CV_8UC3, cv::Scalar(0, 128, 250))));
        write_text(d / "g_garbage.png", "\x89PNG\r\n\x1a\n not a png at all");
        write_text(d / "h_empty.jpg", "");
        write_text(d / "i_truncated.jpg", read_all(d / "f_large.jpg").substr(0, 20));
        const std::string png = read_all(root() / "folders" / "train" / "ant" / "img0.png");
        write_text(d / "j_half.png", png.substr(0, png.size() / 2));  // decoded or skipped

        const ImageList list = scan_image_folder((root() / "decode").string());
        QCOMPARE(list.size(), int64_t(10));
        const SetInfo info{"mixed"};
        DecodeReport report;
        const auto memory = make_file_set(list, info, {kSize, true, 3}, &report);
        const auto streamed = make_file_set(list, info, {kSize, false, 1});
        QVERIFY(memory->in_memory());
        QVERIFY(!streamed->in_memory());
        QCOMPARE(report.decoded + report.skipped, int64_t(10));
        QVERIFY(report.skipped == 3 || report.skipped == 4);  // j_half may decode partly
        QVERIFY(report.first_skipped.size() == static_cast<std::size_t>(report.skipped));
        for (const char* name : {"g_garbage.png", "h_empty.jpg", "i_truncated.jpg"})
            QVERIFY2(std::count(report.first_skipped.begin(), report.first_skipped.end(),
                                (d / name).string()) == 1,
                     name);

        std::vector<int64_t> all(10);
        std::iota(all.begin(), all.end(), 0);
        for (const auto& set : {memory, streamed}) {
            const SetBatch b = set->load(all, Transform::Eval, 0);
            QCOMPARE(b.skipped, report.skipped);
            QCOMPARE(b.images.sizes(), (c10::IntArrayRef{report.decoded, 3, kSize, kSize}));
            QCOMPARE(b.labels.size(0), report.decoded);
            QCOMPARE(b.images.scalar_type(), torch::kUInt8);
            const SetBatch t = set->load(all, Transform::Train, 5);
            QCOMPARE(t.skipped, report.skipped);
            QCOMPARE(t.images.size(0), report.decoded);
        }
        QVERIFY(torch::equal(memory->load(all, Transform::Eval, 0).images,
                             streamed->load(all, Transform::Eval, 0).images));

        // What the odd files decode to (RGB planes), through both loaders.
        auto pixel_range = [&](const SetBatch& b, int c) {
            if (b.images.size(0) != 1) return std::pair<int, int>{-1, -1};
            const auto plane = b.images[0][c];
            return std::pair<int, int>{plane.min().item<int>(), plane.max().item<int>()};
        };
        auto near = [](std::pair<int, int> r, int v, int tol) {
            return std::abs(r.first - v) <= tol && std::abs(r.second - v) <= tol;
        };
        const std::map<std::string, std::array<int, 3>> expected = {
            {"a_colour.png", {30, 20, 10}},    {"b_grey.png", {77, 77, 77}},
            {"c_grey16.png", {156, 156, 156}},  // 40000 / 256
            {"d_rgb16.png", {200, 100, 10}},   {"e_cmyk.jpg", {200, 40, 80}},
            {"f_large.jpg", {250, 128, 0}}};
        const std::map<std::string, int> tolerance = {{"e_cmyk.jpg", 4}, {"f_large.jpg", 3}};
        for (int64_t i = 0; i < 10; ++i) {
            const std::string name = fs::path(list.samples[i].path).filename().string();
            auto it = expected.find(name);
            if (it == expected.end()) continue;
            const int tol = tolerance.count(name) ? tolerance.at(name) : 1;
            for (const auto& set : {memory, streamed}) {
                const SetBatch b = set->load({i}, Transform::Eval, 0);
                for (int c = 0; c < 3; ++c) {
                    const auto r = pixel_range(b, c);
                    QVERIFY2(near(r, it->second[c], tol),
                             (name + " channel " + std::to_string(c) + ": " +
                              std::to_string(r.first) + ".." + std::to_string(r.second))
                                 .c_str());
                }
            }
        }

        // A batch of nothing but unreadable files is empty, with every index counted.
        std::vector<int64_t> bad;
        for (int64_t i = 0; i < 10; ++i)
            if (std::count(report.first_skipped.begin(), report.first_skipped.end(),
                           list.samples[i].path))
                bad.push_back(i);
        for (const auto& set : {memory, streamed}) {
            const SetBatch b = set->load(bad, Transform::Train, 1);
            QCOMPARE(b.skipped, static_cast<int64_t>(bad.size()));
            QCOMPARE(b.images.size(0), int64_t(0));
            QCOMPARE(b.labels.size(0), int64_t(0));
        }
        // Only unreadable files: in memory, nothing to train on is an error up front.
        ImageList hopeless = list;
        hopeless.samples.clear();
        for (int64_t i : bad) hopeless.samples.push_back(list.samples[i]);
        QVERIFY(throws_naming(
            [&] {
                make_file_set(hopeless, {"hopeless"}, {kSize, true, 1});
            },
            {"hopeless"}));
        QVERIFY(throws_dataset_error([&] { make_file_set(ImageList{}, {"void"}, {kSize}); }));
    }

    void unreadableFilesInARunAreWarnedAndCounted() {
        int seed = 900;
        const fs::path run = root() / "broken_run";
        write_class(run / "train", "a", 12, seed);
        write_class(run / "train", "b", 12, seed);
        write_text(run / "train" / "b" / "zz_broken.jpg", "not a jpeg");
        // A JPEG cut in half still decodes (the rest grey): used, but named in a warning.
        QVERIFY(
            cv::imwrite((run / "train" / "a" / "zz_cut.jpg").string(), random_image(64, 64, 5)));
        const std::string whole = read_all(run / "train" / "a" / "zz_cut.jpg");
        write_text(run / "train" / "a" / "zz_cut.jpg", whole.substr(0, whole.size() / 2));
        write_class(run / "test", "a", 2, seed);
        write_class(run / "test", "b", 2, seed);
        RunConfig c = folders_config();
        c.folders.train = (run / "train").string();
        c.folders.test = (run / "test").string();
        for (const char* loading : {"memory", "stream"}) {
            c.images.loading = loading;
            std::vector<std::string> warnings;
            LoadCallbacks cb;
            cb.warn = [&](const std::string& w) { warnings.push_back(w); };
            const RunSets s = load_file_sets(c, cb);
            if (c.images.loading == "memory") {
                QCOMPARE(warnings.size(), std::size_t(2));
                auto warned = [&](const std::string& a, const std::string& b) {
                    return std::any_of(warnings.begin(), warnings.end(), [&](const auto& w) {
                        return w.find(a) != std::string::npos && w.find(b) != std::string::npos;
                    });
                };
                QVERIFY(warned("1 unreadable", "zz_broken.jpg"));
                QVERIFY(warned("cut short", "zz_cut.jpg"));
            }
            int64_t images = 0, skipped = 0;
            for (const auto& set : {s.train, s.proj}) {
                std::vector<int64_t> order(set->size());
                std::iota(order.begin(), order.end(), 0);
                const auto jobs =
                    plan_batches(order, 5, 0, 100, [](int64_t b) { return uint64_t(b); });
                BatchStream stream(set, jobs, Transform::Train, {2, 2});
                const LoaderThroughput t = drain(stream);
                images += t.images;
                skipped += t.skipped;
            }
            QCOMPARE(images, int64_t(25));
            QCOMPARE(skipped, int64_t(1));
            // Streamed batches name a cut file each time they decode it (the trainer warns).
            std::vector<std::string> cut;
            for (const auto& set : {s.train, s.proj}) {
                std::vector<int64_t> all(set->size());
                std::iota(all.begin(), all.end(), 0);
                const SetBatch b = set->load(all, Transform::Eval, 0);
                cut.insert(cut.end(), b.cut.begin(), b.cut.end());
            }
            QCOMPARE(cut.size(), std::size_t(c.images.loading == "stream" ? 1 : 0));
            if (!cut.empty())
                QCOMPARE(fs::path(cut[0]).filename().string(), std::string("zz_cut.jpg"));
        }
    }

    // ---- 4. determinism ------------------------------------------------------------------------

    void batchesAreIdenticalAcrossThreadsAndLoaders() {
        int seed = 1100;
        const fs::path d = root() / "det";
        for (const char* cls : {"a", "b", "c"}) write_class(d, cls, 15, seed);
        QVERIFY(cv::imwrite((d / "b" / "big.jpg").string(), random_image(300, 200, 3)));
        write_text(d / "c" / "broken.png", "\x89PNG\r\n\x1a\n broken");
        const ImageList list = scan_image_folder(d.string());
        QCOMPARE(list.size(), int64_t(47));
        const auto streamed = make_file_set(list, {"det"}, {kSize, false, 1});
        const auto memory = make_file_set(list, {"det"}, {kSize, true, 3});
        QVERIFY(memory->in_memory() && !streamed->in_memory());

        const auto order_t = epoch_order(list.size(), 11, 0);
        const std::vector<int64_t> order(order_t.data_ptr<int64_t>(),
                                         order_t.data_ptr<int64_t>() + order_t.numel());
        const auto jobs =
            plan_batches(order, 8, 0, 1000, [](int64_t b) { return uint64_t(1000 + 17 * b); });
        QCOMPARE(jobs.size(), std::size_t(6));  // 47 = 5 x 8 + 7
        QCOMPARE(jobs.back().indices.size(), std::size_t(7));

        for (Transform t : {Transform::Train, Transform::Eval}) {
            const auto reference = all_batches(streamed, jobs, t, 0);
            QCOMPARE(reference.size(), jobs.size());
            int64_t skipped = 0, images = 0;
            for (const auto& b : reference) skipped += b.skipped, images += b.images.size(0);
            QCOMPARE(skipped, int64_t(1));
            QCOMPARE(images, int64_t(46));
            for (int threads : {1, 3}) {
                QVERIFY(same_batches(all_batches(streamed, jobs, t, threads), reference));
                QVERIFY(same_batches(all_batches(memory, jobs, t, threads), reference));
            }
            QVERIFY(same_batches(all_batches(memory, jobs, t, 0), reference));
        }

        // The seeds matter for training batches (so the equalities above are not vacuous), not
        // for evaluation batches; and training batches are augmented.
        const auto reseeded =
            plan_batches(order, 8, 0, 1000, [](int64_t b) { return uint64_t(5 + 3 * b); });
        QVERIFY(!same_batches(all_batches(memory, reseeded, Transform::Train, 2),
                              all_batches(memory, jobs, Transform::Train, 2)));
        QVERIFY(same_batches(all_batches(memory, reseeded, Transform::Eval, 2),
                             all_batches(memory, jobs, Transform::Eval, 2)));
        QVERIFY(!torch::equal(memory->load(jobs[0].indices, Transform::Train, 1).images,
                              memory->load(jobs[0].indices, Transform::Eval, 1).images));

        // A later start of the plan gives the same batches as the tail of the full plan.
        const auto tail =
            plan_batches(order, 8, 2, 1000, [](int64_t b) { return uint64_t(1000 + 17 * b); });
        const auto full = all_batches(memory, jobs, Transform::Train, 2);
        const auto later = all_batches(streamed, tail, Transform::Train, 3);
        QVERIFY(same_batches(later, std::vector<SetBatch>(full.begin() + 2, full.end())));

        // A subset view loads its base's examples.
        const auto view = subset(memory, {5, 0, 46}, {"view"});
        QCOMPARE(view->size(), int64_t(3));
        QCOMPARE(view->source(2), list.samples[46].path);
        QVERIFY(torch::equal(
            view->labels(),
            torch::tensor({list.samples[5].label, list.samples[0].label, list.samples[46].label})));
        QVERIFY(torch::equal(view->load({0, 1}, Transform::Train, 9).images,
                             memory->load({5, 0}, Transform::Train, 9).images));
    }

    void streamFailuresReachTheConsumer() {
        // A set whose fourth batch cannot be built: every thread count hands over the first three
        // batches, then rethrows the failure, and the stream still shuts down cleanly.
        class Failing : public ImageSet {
          public:
            Failing() : ImageSet({"failing"}) {}
            int64_t size() const override { return 40; }
            torch::Tensor labels() const override { return torch::zeros({40}, torch::kInt64); }
            bool in_memory() const override { return true; }
            SetBatch load(const std::vector<int64_t>& indices, Transform, uint64_t) const override {
                if (indices.front() == 30) throw DatasetError("batch four is broken");
                const auto n = static_cast<int64_t>(indices.size());
                return {torch::zeros({n, 3, 2, 2}, torch::kUInt8),
                        torch::tensor(indices, torch::kInt64), 0};
            }
        };
        const auto set = std::make_shared<Failing>();
        std::vector<int64_t> order(40);
        std::iota(order.begin(), order.end(), 0);
        const auto jobs = plan_batches(order, 10, 0, 4, [](int64_t b) { return uint64_t(b); });
        for (int threads : {0, 1, 3}) {
            BatchStream stream(set, jobs, Transform::Train, {threads, 4});
            QCOMPARE(stream.remaining(), int64_t(4));
            // Give the workers time to build (and fail) every batch before the first is taken.
            if (threads) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            std::vector<int64_t> firsts;
            std::string error;
            try {
                SetBatch b;
                while (stream.next(b)) firsts.push_back(b.labels[0].item<int64_t>());
            } catch (const DatasetError& e) {
                error = e.what();
            }
            const std::string what = "threads " + std::to_string(threads);
            QVERIFY2(error.find("batch four") != std::string::npos, what.c_str());
            QVERIFY2(firsts == (std::vector<int64_t>{0, 10, 20}),
                     (what + ": " + std::to_string(firsts.size()) + " batches before the error")
                         .c_str());
        }
        // A stream abandoned early stops its workers.
        {
            BatchStream early(set,
                              plan_batches(order, 1, 0, 40, [](int64_t) { return uint64_t(0); }),
                              Transform::Eval, {3, 4});
            SetBatch b;
            QVERIFY(early.next(b));
        }
    }

    void tensorSetsAreDeterministicToo() {
        torch::manual_seed(3);
        TensorDataset data{"demo", torch::randint(0, 256, {40, 1, 12, 12}).to(torch::kUInt8),
                           torch::randint(0, 4, {40}).to(torch::kInt64)};
        const auto set = make_tensor_set(data, {"demo"});
        std::vector<int64_t> order(40);
        std::iota(order.begin(), order.end(), 0);
        const auto jobs = plan_batches(order, 16, 0, 10, [](int64_t b) { return uint64_t(b); });
        QCOMPARE(jobs.size(), std::size_t(3));
        const auto ref = all_batches(set, jobs, Transform::Train, 0);
        QVERIFY(same_batches(all_batches(set, jobs, Transform::Train, 1), ref));
        QVERIFY(same_batches(all_batches(set, jobs, Transform::Train, 3), ref));
        const auto eval = all_batches(set, jobs, Transform::Eval, 3);
        QVERIFY(torch::equal(eval[0].images, data.images.narrow(0, 0, 16)));
        QVERIFY(!torch::equal(ref[0].images, eval[0].images));
    }

    // ---- 5. OOD kinds and class subsets --------------------------------------------------------

    void oodSetInfoTypesSets() {
        const std::vector<std::string> small = {"ant", "bee", "cat", "dog"};
        OodSetConfig e;
        e.path = (root() / "folders" / "test").string();
        SetInfo info = ood_set_info(e, small);
        QCOMPARE(info.name, std::string("test"));
        QVERIFY(info.kind == SetKind::DomainShift);
        QVERIFY(info.class_subset.empty());
        e.path += "/";  // a trailing slash still names the folder
        QCOMPARE(ood_set_info(e, small).name, std::string("test"));

        e.kind = "corruption";
        e.corruption = "fog";
        e.severity = 3;
        e.name = "foggy";
        info = ood_set_info(e, small);
        QVERIFY(info.kind == SetKind::Corruption);
        QCOMPARE(info.corruption, std::string("fog"));
        QCOMPARE(info.severity, 3);
        QCOMPARE(info.name, std::string("foggy"));
        QCOMPARE(std::string(set_kind_name(info.kind)), std::string("corruption"));

        e = {};
        e.path = "/data/hard";
        e.kind = "adversarial";
        QVERIFY(ood_set_info(e, small).kind == SetKind::NaturalAdversarial);
        e.kind = "rendition";
        QVERIFY(ood_set_info(e, small).kind == SetKind::Rendition);

        // A class file restricts the logits, in the file's order.
        write_text(root() / "subset_bd.txt", "dog\nbee\n");
        e = {};
        e.path = "/data/x";
        e.classes = (root() / "subset_bd.txt").string();
        QCOMPARE(ood_set_info(e, small).class_subset, (std::vector<int64_t>{3, 1}));
        write_text(root() / "subset_bad.txt", "dog\nyak\n");
        e.classes = (root() / "subset_bad.txt").string();
        QVERIFY(throws_naming([&] { ood_set_info(e, small); }, {"yak"}));
    }

    void imagenetSetsAreTypedByName() {
        const auto wnids = read_wnid_list(find_datasets_file("imagenet_wnids.txt"));
        const auto a = read_wnid_list(find_datasets_file("imagenet_a_wnids.txt"));
        const auto r = read_wnid_list(find_datasets_file("imagenet_r_wnids.txt"));
        QCOMPARE(wnids.size(), std::size_t(1000));
        auto expect_subset = [&](const SetInfo& info, const std::vector<std::string>& ids) {
            if (info.class_subset.size() != ids.size()) return false;
            for (std::size_t k = 0; k < ids.size(); ++k)
                if (wnids.at(info.class_subset[k]) != ids[k]) return false;
            return true;
        };
        for (const char* name : {"imagenet-a", "ImageNet_A", "IMAGENET-A"}) {
            OodSetConfig e;
            e.path = "/data/whatever";
            e.name = name;
            const SetInfo info = ood_set_info(e, wnids);
            QVERIFY2(info.kind == SetKind::NaturalAdversarial, name);
            QVERIFY2(expect_subset(info, a), name);
            QCOMPARE(info.class_subset.front(), int64_t(6));  // stingray
            QCOMPARE(info.name, std::string(name));
        }
        OodSetConfig by_path;
        by_path.path = "/data/imagenet-r/";
        SetInfo info = ood_set_info(by_path, wnids);
        QCOMPARE(info.name, std::string("imagenet-r"));
        QVERIFY(info.kind == SetKind::Rendition);
        QVERIFY(expect_subset(info, r));
        // An explicit subset keyword on a set of another name.
        OodSetConfig keyword;
        keyword.path = "/data/a-subsample";
        keyword.classes = "imagenet-a";
        info = ood_set_info(keyword, wnids);
        QVERIFY(info.kind == SetKind::DomainShift);
        QVERIFY(expect_subset(info, a));
        // A 200-class run on ImageNet-A's own classes: the subset is every class, in order.
        info = ood_set_info(OodSetConfig{"/data/imagenet-a"}, a);
        std::vector<int64_t> identity(200);
        std::iota(identity.begin(), identity.end(), 0);
        QCOMPARE(info.class_subset, identity);
        // An explicit kind wins over the name.
        OodSetConfig explicit_kind;
        explicit_kind.path = "/data/imagenet-a";
        explicit_kind.kind = "domain";
        QVERIFY(ood_set_info(explicit_kind, wnids).kind == SetKind::DomainShift);
        // ImageNet-V2 and plain ImageNet folders are domain shifts without a subset.
        info = ood_set_info(OodSetConfig{"/data/imagenetv2-matched-frequency"}, wnids);
        QVERIFY(info.kind == SetKind::DomainShift);
        QVERIFY(info.class_subset.empty());
    }

    void imagenetV2FoldersMapToClassIndices() {
        // A run of 12 classes; the OOD folder's sub-folders are class indices (string order
        // "10" < "2" must not matter).
        int seed = 1300;
        const fs::path d = root() / "v2run";
        std::vector<std::string> classes;
        for (int k = 0; k < 12; ++k) {
            classes.push_back("n0" + std::to_string(1000 + k));
            write_class(d / "train", classes.back(), 2, seed);
            write_class(d / "test", classes.back(), 1, seed);
        }
        for (const char* k : {"0", "2", "10", "11"}) write_class(d / "v2", k, 2, seed);
        RunConfig c = folders_config();
        c.folders.train = (d / "train").string();
        c.folders.test = (d / "test").string();
        c.ood.push_back({(d / "v2").string()});
        // And an OOD folder covering some of the classes by name.
        write_class(d / "named", classes[3], 1, seed);
        write_class(d / "named", classes[7], 2, seed);
        c.ood.push_back({(d / "named").string()});
        const RunSets s = load_file_sets(c, {});
        QCOMPARE(s.class_names, classes);
        QCOMPARE(s.ood.size(), std::size_t(2));
        const auto& v2 = *s.ood[0];
        QCOMPARE(v2.info().name, std::string("v2"));
        QCOMPARE(v2.size(), int64_t(8));
        std::multiset<int64_t> labels;
        for (int64_t i = 0; i < v2.size(); ++i) {
            const int64_t l = v2.labels()[i].item<int64_t>();
            QCOMPARE(l, int64_t(std::stoll(parent_name(v2.source(i)))));
            labels.insert(l);
        }
        QCOMPARE(labels, (std::multiset<int64_t>{0, 0, 2, 2, 10, 10, 11, 11}));
        QCOMPARE(s.ood[1]->size(), int64_t(3));
        QVERIFY(labels_follow_folders(*s.ood[1], classes));
        // An index beyond the run's classes is not an index: the folder is an unknown class.
        write_class(d / "v2_far", "12", 1, seed);
        c.ood = {OodSetConfig{(d / "v2_far").string()}};
        QVERIFY(load_fails_naming(c, {"v2_far", "12"}));
    }

    // ---- 6. scoring restricted to a class subset -----------------------------------------------

    void evaluateScoresOnlyTheSubsetColumns() {
        // Logits (x255) and labels: only the subset {1, 4} decides.
        const std::vector<std::vector<int>> logits = {
            {0, 10, 200, 30, 50, 0},    // label 4: global argmax 2, subset argmax 4 -> right
            {0, 60, 200, 0, 50, 0},     // label 4: subset argmax 1 -> wrong either way
            {0, 90, 10, 0, 20, 0},      // label 1: right either way
            {250, 10, 0, 0, 20, 0},     // label 4: global argmax 0, subset argmax 4 -> right
            {100, 90, 80, 70, 0, 60}};  // label 4: not even in the global top 5
        const std::vector<int64_t> labels = {4, 4, 1, 4, 4};
        auto images = torch::zeros({5, 6, 1, 1}, torch::kUInt8);
        for (int64_t i = 0; i < 5; ++i)
            for (int64_t j = 0; j < 6; ++j) images[i][j][0][0] = logits[i][j];
        TensorDataset data{"adv", images, torch::tensor(labels)};
        Normalization norm;
        norm.mean = {0.0};
        norm.std = {1.0};
        IdentityHead model;
        model.train();

        SetInfo info{"imagenet-a", SetKind::NaturalAdversarial};
        const auto plain = make_tensor_set(data, info);
        info.class_subset = {1, 4};
        const auto restricted = make_tensor_set(data, info);
        info.class_subset = {4, 1};
        const auto reversed = make_tensor_set(data, info);

        const Accuracy all = evaluate(model, plain, norm, torch::kCPU);
        QCOMPARE(all.count, int64_t(5));
        QCOMPARE(all.top1, 1.0 / 5);   // only example 2
        QCOMPARE(all.top5, 4.0 / 5);   // example 4's label is the smallest logit
        QVERIFY(model.is_training());  // restored
        for (const auto& set : {restricted, reversed}) {
            const Accuracy sub = evaluate(model, set, norm, torch::kCPU);
            QCOMPARE(sub.count, int64_t(5));
            QCOMPARE(sub.top1, 3.0 / 5);  // examples 0, 2 and 3
            QCOMPARE(sub.top5, 1.0);      // two columns: top 5 is both
            // The same in batches of two, on loader threads.
            const Accuracy batched = evaluate(model, set, norm, torch::kCPU, {2, 2}, 2);
            QCOMPARE(batched.top1, sub.top1);
            QCOMPARE(batched.top5, sub.top5);
            QCOMPARE(misclassified(model, set, norm, torch::kCPU), (std::vector<int64_t>{1, 4}));
        }
        QCOMPARE(misclassified(model, plain, norm, torch::kCPU),
                 (std::vector<int64_t>{0, 1, 3, 4}));

        // Through evaluate_run_sets, keyed by set name.
        RunSets sets;
        sets.test = plain;
        sets.ood = {restricted};
        sets.norm = norm;
        const EvalEvent e = evaluate_run_sets(model, sets, torch::kCPU, {0, 1});
        QCOMPARE(e.top1.at("id"), 1.0 / 5);
        QCOMPARE(e.top1.at("imagenet-a"), 3.0 / 5);
        QCOMPARE(e.top1.at("ood_mean"), 3.0 / 5);
        QVERIFY(!e.top1.count("corruption_mean"));
    }

    // ---- 7. aggregates by kind -----------------------------------------------------------------

    void oodAggregatesUseKindsNotNames() {
        std::map<std::string, double> acc = {
            {"id", 0.9}, {"fog-3", 0.2}, {"noise", 0.4}, {"contrast-5", 0.6}, {"sketch", 0.8}};
        std::vector<SetInfo> ood = {{"fog-3", SetKind::DomainShift},
                                    {"noise", SetKind::Corruption, "gaussian_noise", 1},
                                    {"contrast-5", SetKind::Corruption, "contrast", 5},
                                    {"sketch", SetKind::DomainShift}};
        add_ood_aggregates(acc, ood);
        QVERIFY(acc.count("corruption_mean"));
        QVERIFY(std::abs(acc.at("corruption_mean") - 0.5) < 1e-12);  // noise and contrast-5
        // fog-3, sketch and the corruption mean weigh equally.
        QVERIFY(std::abs(acc.at("ood_mean") - (0.2 + 0.8 + 0.5) / 3) < 1e-12);
        QCOMPARE(acc.at("id"), 0.9);

        std::map<std::string, double> domain_only = {{"id", 0.9}, {"fog-3", 0.2}, {"x", 0.6}};
        add_ood_aggregates(domain_only,
                           {{"fog-3", SetKind::DomainShift}, {"x", SetKind::NaturalAdversarial}});
        QVERIFY(!domain_only.count("corruption_mean"));
        QVERIFY(std::abs(domain_only.at("ood_mean") - 0.4) < 1e-12);

        std::map<std::string, double> none = {{"id", 0.9}};
        add_ood_aggregates(none, {});
        QCOMPARE(none.size(), std::size_t(1));
    }
};

QTEST_APPLESS_MAIN(TestImageSets)
#include "test_image_sets.moc"
