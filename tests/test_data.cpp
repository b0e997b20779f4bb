// SPDX-License-Identifier: GPL-3.0-or-later
// IDX reading (plain and gzip), dataset checks, epoch order and augmentation.
#include "data/idx_reader.h"
#include "data/image_convert.h"
#include "data/run_sets.h"
#include "data/tensor_dataset.h"

#include <torch/torch.h>
#include <zlib.h>
#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>

using namespace tpgm;

namespace {

std::string idx_bytes(std::vector<uint32_t> dims, const std::vector<uint8_t>& data) {
    std::string b{0, 0, 0x08, static_cast<char>(dims.size())};
    for (uint32_t d : dims)
        for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<char>((d >> s) & 0xff));
    b.append(data.begin(), data.end());
    return b;
}

void write_gz(const std::string& path, const std::string& bytes) {
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
}

template <typename F>
bool data_error_mentioning(F&& f, const char* fragment) {
    try {
        f();
    } catch (const DatasetError& e) {
        return std::string(e.what()).find(fragment) != std::string::npos;
    }
    return false;
}

}  // namespace

class TestData : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::string path(const char* name) { return dir_.filePath(name).toStdString(); }

  private Q_SLOTS:
    void readsPlainAndGzipIdx() {
        std::vector<uint8_t> pixels(2 * 3 * 4);
        for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 7);
        std::ofstream(path("img.idx"), std::ios::binary) << idx_bytes({2, 3, 4}, pixels);
        write_gz(path("img.idx.gz"), idx_bytes({2, 3, 4}, pixels));
        write_gz(path("lab.idx.gz"), idx_bytes({2}, {3, 9}));
        for (const char* f : {"img.idx", "img.idx.gz"}) {
            auto t = read_idx_images(path(f));
            QCOMPARE(t.sizes().vec(), (std::vector<int64_t>{2, 1, 3, 4}));
            QCOMPARE(t[1][0][2][3].item<int>(), static_cast<int>(pixels[23]));
        }
        auto labels = read_idx_labels(path("lab.idx.gz"));
        QCOMPARE(labels[1].item<int64_t>(), int64_t(9));
    }

    void badIdxFilesAreClearErrors() {
        QVERIFY(data_error_mentioning([&] { read_idx_images(path("none.gz")); }, "does not exist"));
        write_gz(path("short.gz"), idx_bytes({2, 3, 4}, std::vector<uint8_t>(10)));
        QVERIFY(
            data_error_mentioning([&] { read_idx_images(path("short.gz")); }, "header promises"));
        write_gz(path("labels.gz"), idx_bytes({2}, {1, 2}));
        QVERIFY(data_error_mentioning([&] { read_idx_images(path("labels.gz")); }, "3 dimension"));
        std::ofstream(path("tiny.idx"), std::ios::binary) << "ab";
        QVERIFY(data_error_mentioning([&] { read_idx_labels(path("tiny.idx")); }, "too short"));
        // A gzip stream cut in the middle.
        write_gz(path("full.gz"), idx_bytes({100, 28, 28}, std::vector<uint8_t>(78400, 5)));
        std::ifstream in(path("full.gz"), std::ios::binary);
        std::string gz{std::istreambuf_iterator<char>(in), {}};
        std::ofstream(path("cut.gz"), std::ios::binary) << gz.substr(0, gz.size() / 2);
        QVERIFY_EXCEPTION_THROWN(read_idx_images(path("cut.gz")), DatasetError);
    }

    void emptyClassIsAClearError() {
        const auto set = make_tensor_set({"id_train", torch::zeros({4, 1, 2, 2}, torch::kUInt8),
                                          torch::tensor({0, 1, 1, 0}, torch::kLong)},
                                         {"id_train"});
        const std::vector<std::string> two{"cat", "dog"}, three{"cat", "dog", "emu"};
        check_labels(*set, two, true);
        QVERIFY(data_error_mentioning([&] { check_labels(*set, three, true); },
                                      "class 2 ('emu') has no example"));
        const auto empty = make_tensor_set(
            {"empty", torch::zeros({0, 1, 2, 2}, torch::kUInt8), torch::zeros({0}, torch::kLong)},
            {"empty"});
        QVERIFY(data_error_mentioning([&] { check_labels(*empty, two, true); }, "empty"));
        const auto bad = make_tensor_set(
            {"bad", torch::zeros({2, 1, 2, 2}, torch::kUInt8), torch::tensor({0, 5}, torch::kLong)},
            {"bad"});
        QVERIFY(data_error_mentioning([&] { check_labels(*bad, two, true); }, "outside"));
        // A single-class training set was accepted (and trained to a trivial 100 %).
        const auto one = make_tensor_set(
            {"one", torch::zeros({3, 1, 2, 2}, torch::kUInt8), torch::zeros({3}, torch::kLong)},
            {"one"});
        QVERIFY(data_error_mentioning([&] { check_labels(*one, {"cat"}, true); },
                                      "set 'one' has a single class ('cat')"));
    }

    void epochOrderIsAReproduciblePermutation() {
        auto a = epoch_order(100, 7, 3), b = epoch_order(100, 7, 3), c = epoch_order(100, 7, 4);
        QVERIFY(torch::equal(a, b));
        QVERIFY(!torch::equal(a, c));
        QVERIFY(torch::equal(std::get<0>(a.sort()), torch::arange(100)));
    }

    void augmentationKeepsShapeAndContent() {
        auto images = torch::randint(0, 255, {8, 1, 10, 10}, torch::kLong).to(torch::kUInt8);
        std::mt19937_64 rng(1);
        auto out = augment_batch(images, rng, 2);
        QCOMPARE(out.sizes(), images.sizes());
        std::mt19937_64 rng0(1);
        auto same = augment_batch(images, rng0, 0);  // no padding: only flips
        for (int64_t i = 0; i < 8; ++i)
            QVERIFY(torch::equal(same[i], images[i]) || torch::equal(same[i], images[i].flip({2})));
    }

    void normalisationAndMatConversionRoundTrip() {
        auto images = torch::randint(0, 255, {3, 3, 5, 6}, torch::kLong).to(torch::kUInt8);
        auto back = map_images(images, [](const cv::Mat& m, int64_t) { return m; });
        QVERIFY(torch::equal(back, images));
        const Normalization n = measure_normalization(images);
        auto x = to_model_input(images, n, torch::kCPU);
        QVERIFY(torch::allclose(x.mean({0, 2, 3}), torch::zeros({3}), 1e-4, 1e-4));
    }
};

QTEST_APPLESS_MAIN(TestData)
#include "test_data.moc"
