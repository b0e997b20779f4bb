// SPDX-License-Identifier: GPL-3.0-or-later
// Real dataset layouts on tiny generated fixtures: ImageFolder (explicit class lists, corrupt and
// truncated files), DomainNet split lists and percent subsets, the ImageNet-A/R class masks, the
// PASCAL VOC segmentation tree. The image sets and the loader: test_image_sets.cpp.
#include "config/config_schema.h"
#include "data/image_folder.h"
#include "data/imagenet_subsets.h"
#include "data/split_list.h"
#include "data/voc.h"
#include "runs/run_reader.h"

#include "test_files.h"

#include <torch/torch.h>
#include <QtTest/QtTest>
#include <opencv2/imgcodecs.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>

using namespace tpgm;
namespace fs = std::filesystem;

namespace {

cv::Mat random_image(int w, int h, int seed) {
    cv::Mat m(h, w, CV_8UC3);
    cv::randu(m, cv::Scalar::all(seed % 7), cv::Scalar::all(200 + seed % 50));
    return m;
}

template <typename F>
bool throws_dataset_error(F&& f) {
    try {
        f();
    } catch (const DatasetError&) {
        return true;
    }
    return false;
}

}  // namespace

class TestDatasets : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    fs::path root() const { return fs::path(dir_.path().toStdString()); }
    fs::path folder_;

  private Q_SLOTS:
    void initTestCase() {
        // folder/{cat: 4 png + 1 corrupt, dog: 3 png + 1 truncated jpg, zebra: 2 png}
        folder_ = root() / "folder";
        int seed = 0;
        for (const auto& [cls, n] :
             std::vector<std::pair<std::string, int>>{{"cat", 4}, {"dog", 3}, {"zebra", 2}}) {
            fs::create_directories(folder_ / cls);
            for (int i = 0; i < n; ++i)
                cv::imwrite((folder_ / cls / ("img" + std::to_string(i) + ".png")).string(),
                            random_image(24 + i * 4, 20 + i * 2, ++seed));
        }
        write_text(folder_ / "cat" / "broken.png", "\x89PNG\r\n\x1a\n this is not really a png");
        cv::imwrite((root() / "full.jpg").string(), random_image(40, 30, 99));
        const std::string jpg = read_all(root() / "full.jpg");
        write_text(folder_ / "dog" / "truncated.jpg", jpg.substr(0, 20));
        write_text(folder_ / "dog" / "notes.txt", "not an image, ignored");
    }

    void imageFolderScansSortedClasses() {
        const ImageList list = scan_image_folder(folder_.string());
        QCOMPARE(list.classes, (std::vector<std::string>{"cat", "dog", "zebra"}));
        QCOMPARE(list.size(), int64_t(11));  // 9 valid + 2 corrupt; notes.txt ignored
        QCOMPARE(list.samples.back().label, int64_t(2));
    }

    void explicitClassListFixesIndices() {
        ImageFolderOptions opt;
        opt.classes = {"zebra", "lion", "cat"};
        QVERIFY(
            throws_dataset_error([&] { scan_image_folder(folder_.string(), opt); }));  // no lion/
        opt.allow_missing_classes = true;
        const ImageList list = scan_image_folder(folder_.string(), opt);
        QCOMPARE(list.classes.size(), std::size_t(3));
        std::set<int64_t> labels;
        for (const auto& s : list.samples) labels.insert(s.label);
        QCOMPARE(labels, (std::set<int64_t>{0, 2}));  // dog is not in the list, lion has no folder
        write_text(root() / "classes.txt", "# the training classes\nzebra\ncat  extra-column\n\n");
        QCOMPARE(read_class_list((root() / "classes.txt").string()),
                 (std::vector<std::string>{"zebra", "cat"}));
    }

    void linkLoopsEndAndDoNotRelabel() {
        // A copy of the folder with cat/loop -> .. and cat/root -> the folder itself.
        const fs::path looped = root() / "looped";
        fs::create_directories(looped);
        for (const char* cls : {"cat", "dog"}) {
            fs::create_directories(looped / cls);
            for (const auto& e : fs::directory_iterator(folder_ / cls))
                fs::copy_file(e.path(), looped / cls / e.path().filename());
        }
        fs::create_directory_symlink("..", looped / "cat" / "loop");
        fs::create_directory_symlink(looped, looped / "cat" / "root");
        fs::create_symlink(folder_ / "zebra" / "img0.png", looped / "dog" / "linked.png");
        const ImageList list = scan_image_folder(looped.string());
        QCOMPARE(list.classes, (std::vector<std::string>{"cat", "dog"}));
        QCOMPARE(list.size(), int64_t(5 + 5));  // the file link counts, directory links do not
        for (const auto& sample : list.samples)
            QVERIFY2(sample.label == (sample.path.find("/cat/") != std::string::npos ? 0 : 1),
                     sample.path.c_str());
        // Following links still ends: every directory is read once.
        const auto followed = list_image_files((looped / "cat").string(), true);
        std::set<std::string> unique(followed.begin(), followed.end());
        QCOMPARE(unique.size(), followed.size());
        QVERIFY(followed.size() > 5);  // the dog images reached through the links
    }

    void emptyClassOrMissingRootIsAClearError() {
        fs::create_directories(root() / "withempty" / "a");
        fs::create_directories(root() / "withempty" / "b");
        cv::imwrite((root() / "withempty" / "a" / "x.png").string(), random_image(8, 8, 1));
        QVERIFY(throws_dataset_error([&] { scan_image_folder((root() / "withempty").string()); }));
        ImageFolderOptions opt;
        opt.allow_empty_classes = true;
        QCOMPARE(scan_image_folder((root() / "withempty").string(), opt).size(), int64_t(1));
        QVERIFY(throws_dataset_error([&] { scan_image_folder((root() / "nope").string()); }));
    }

    void splitListsAndPercentSubsets() {
        // DomainNet layout: <root>/clipart/<class>/<file>.jpg, list lines "clipart/<class>/<file>
        // label"
        const fs::path dn = root() / "domainnet";
        std::string lines;
        int seed = 0;
        for (int c = 0; c < 3; ++c)
            for (int i = 0; i < 20 + 10 * c; ++i) {
                const std::string rel =
                    "clipart/class" + std::to_string(c) + "/clipart_" + std::to_string(i) + ".png";
                fs::create_directories((dn / rel).parent_path());
                cv::imwrite((dn / rel).string(), random_image(8, 8, ++seed));
                lines += rel + " " + std::to_string(c) + "\n";
            }
        write_text(dn / "clipart_train.txt", lines);
        const ImageList list = read_split_list((dn / "clipart_train.txt").string(), dn.string());
        QCOMPARE(list.size(), int64_t(90));
        QCOMPARE(list.classes, (std::vector<std::string>{"class0", "class1", "class2"}));

        const ImageList ten = percent_subset(list, 10, 3);
        std::map<int64_t, int> per_class;
        for (const auto& s : ten.samples) ++per_class[s.label];
        QCOMPARE(per_class[0], 2);
        QCOMPARE(per_class[1], 3);
        QCOMPARE(per_class[2], 4);
        QCOMPARE(percent_subset(list, 10, 3).samples.size(), ten.samples.size());
        for (std::size_t k = 0; k < ten.samples.size(); ++k)
            QCOMPARE(percent_subset(list, 10, 3).samples[k].path,
                     ten.samples[k].path);  // deterministic
        const ImageList one = percent_subset(list, 1, 3);
        QCOMPARE(one.size(), int64_t(3));  // at least one per class
        std::set<std::string> ten_paths;
        for (const auto& s : ten.samples) ten_paths.insert(s.path);
        for (const auto& s : one.samples) QVERIFY(ten_paths.count(s.path));  // nested
        QCOMPARE(percent_subset(list, 100).size(), list.size());
        QVERIFY(throws_dataset_error([&] { percent_subset(list, 0); }));

        write_split_list(ten, (dn / "ten.txt").string());
        QCOMPARE(read_split_list((dn / "ten.txt").string(), dn.string()).size(), ten.size());

        // Hostile or broken lists: clear errors with the line, never a crash.
        const std::vector<std::string> bad = {
            "clipart/class0/clipart_0.png\n",                                    // no label
            "clipart/class0/clipart_0.png -1\n",                                 // negative
            "clipart/class0/clipart_0.png 99999999999999999999\n",               // absurd
            "clipart/class0/clipart_0.png 0x\n",                                 // not a number
            "clipart/class0/missing.png 0\n",                                    // missing file
            "clipart/class0/clipart_0.png 0\nclipart/class1/clipart_0.png 0\n",  // label vs folder
            "clipart/class0/clipart_0.png 1\n",  // class 0 has no image
            "\n\n",                              // empty
            std::string("\0\xff\xfe garbage \x01", 14),
        };
        for (std::size_t k = 0; k < bad.size(); ++k) {
            write_text(dn / "bad.txt", bad[k]);
            QVERIFY2(throws_dataset_error(
                         [&] { read_split_list((dn / "bad.txt").string(), dn.string()); }),
                     ("bad list " + std::to_string(k)).c_str());
        }
        QVERIFY(throws_dataset_error(
            [&] { read_split_list((dn / "absent.txt").string(), dn.string()); }));
        // Class names come from the resolved folder, never "..": hard-subset writes one folder
        // per class name and wrote into the parent of its output for this list.
        write_text(dn / "dots.txt",
                   "clipart/class1/../class0/clipart_0.png "
                   "0\nclipart/../clipart/class1/clipart_0.png 1\n");
        fs::create_directories(dn / "up");
        fs::copy_file(dn / "clipart/class0/clipart_0.png", dn / "c8.png",
                      fs::copy_options::overwrite_existing);
        write_text(dn / "up/dots.txt", "../c8.png 0\n");
        const ImageList dots = read_split_list((dn / "dots.txt").string(), dn.string());
        QCOMPARE(dots.classes, (std::vector<std::string>{"class0", "class1"}));
        const ImageList up = read_split_list((dn / "up/dots.txt").string(), (dn / "up").string());
        QCOMPARE(up.classes, std::vector<std::string>{"class_0"});
    }

    void fifosAreRefusedNotWaitedOn() {
        // A FIFO as a config, list or class file blocked set-up for ever, deaf to SIGTERM.
        QTemporaryDir tmp;
        const std::string fifo = tmp.filePath("fifo").toStdString();
        QCOMPARE(::mkfifo(fifo.c_str(), 0644), 0);
        const auto refused = [&](const std::function<void()>& read) -> std::string {
            try {
                read();
            } catch (const std::exception& e) {
                return e.what();
            }
            return "read";
        };
        for (const std::string& error : {refused([&] { load_config_file(fifo); }), refused([&] {
                                             read_split_list(fifo, tmp.path().toStdString());
                                         }),
                                         refused([&] { read_class_list(fifo); }),
                                         refused([&] { read_voc_class_names(fifo); })})
            QVERIFY2(error.find("'" + fifo + "' is not a regular file") != std::string::npos,
                     error.c_str());
        // A run folder whose metrics.jsonl is a FIFO is refused instead of blocking the reader.
        const std::string run = tmp.filePath("run").toStdString();
        fs::create_directories(run);
        QCOMPARE(::mkfifo((run + "/metrics.jsonl").c_str(), 0644), 0);
        const std::string error = refused([&] { read_run(run); });
        QVERIFY2(error.find("metrics.jsonl") != std::string::npos, error.c_str());
    }

    void imagenetSubsetMasks() {
        const auto a = read_wnid_list(find_datasets_file("imagenet_a_wnids.txt"));
        const auto r = read_wnid_list(find_datasets_file("imagenet_r_wnids.txt"));
        QCOMPARE(a.size(), std::size_t(200));
        QCOMPARE(r.size(), std::size_t(200));
        QVERIFY(std::is_sorted(a.begin(), a.end()));
        QCOMPARE(a[0], std::string("n01498041"));  // stingray, ImageNet class 6
        // The 1000 ImageNet ids in class-index order (sorted), as shipped.
        const auto all = read_wnid_list(find_datasets_file("imagenet_wnids.txt"));
        QCOMPARE(all.size(), std::size_t(1000));
        QVERIFY(std::is_sorted(all.begin(), all.end()));
        const ClassSubset sub = make_class_subset(all, a);
        QCOMPARE(sub.mask.sum().item<int64_t>(), int64_t(200));
        // Hendrycks' thousand_k_to_200 for ImageNet-A starts 6 -> 0, 11 -> 1, 13 -> 2.
        QCOMPARE(sub.indices[0].item<int64_t>(), int64_t(6));
        QCOMPARE(sub.indices[1].item<int64_t>(), int64_t(11));
        QCOMPARE(sub.indices[2].item<int64_t>(), int64_t(13));
        QCOMPARE(make_class_subset(all, r).mask.sum().item<int64_t>(), int64_t(200));
        auto logits = torch::randn({4, 1000});
        const int64_t pos = std::find(all.begin(), all.end(), a[17]) - all.begin();
        logits[2][pos] = 100;
        const auto restricted = restrict_logits(logits, sub);
        QCOMPARE(restricted.sizes(), (c10::IntArrayRef{4, 200}));
        QCOMPARE(restricted.argmax(1)[2].item<int64_t>(), int64_t(17));
        QVERIFY(throws_dataset_error([&] { make_class_subset(all, {"n99999999"}); }));
        QVERIFY(throws_dataset_error([&] { restrict_logits(torch::zeros({2, 10}), sub); }));
        write_text(root() / "bad_wnids.txt", "n01498041\nnot-a-wnid\n");
        QVERIFY(throws_dataset_error([&] { read_wnid_list((root() / "bad_wnids.txt").string()); }));
        write_text(root() / "dup_wnids.txt", "n01498041\nn01498041\n");
        QVERIFY(throws_dataset_error([&] { read_wnid_list((root() / "dup_wnids.txt").string()); }));
    }

    void vocTree() {
        const fs::path voc = root() / "VOCdevkit" / "VOC2012";
        fs::create_directories(voc / "JPEGImages");
        fs::create_directories(voc / "SegmentationClass");
        cv::Mat mask(12, 16, CV_8U, cv::Scalar(0));
        mask(cv::Rect(2, 2, 6, 5)).setTo(15);  // person
        mask(cv::Rect(9, 3, 5, 6)).setTo(1);   // aeroplane
        mask.row(0).setTo(kVocIgnore);         // border
        for (const char* id : {"2007_000001", "2007_000002"}) {
            cv::imwrite((voc / "JPEGImages" / (std::string(id) + ".jpg")).string(),
                        random_image(16, 12, 5));
            cv::imwrite((voc / "SegmentationClass" / (std::string(id) + ".png")).string(),
                        colorize_voc_mask(mask));
        }
        write_text(voc / "ImageSets" / "Segmentation" / "train.txt", "2007_000001\n2007_000002\n");
        write_text(voc / "ImageSets" / "Segmentation" / "val.txt", "2007_000001\n2007_000404\n");
        const auto train = read_voc_split(voc.string(), "train");
        QCOMPARE(train.size(), std::size_t(2));
        const VocPair pair = load_voc_pair(train[0]);
        QCOMPARE(cv::countNonZero(pair.mask != mask), 0);
        const auto [image, target] = voc_pair_tensors(pair);
        QCOMPARE(image.sizes(), (c10::IntArrayRef{3, 12, 16}));
        QCOMPARE(target[0][0].item<int64_t>(), int64_t(255));
        QCOMPARE(target[3][3].item<int64_t>(), int64_t(15));
        // Index-valued (grayscale) masks, as in SegmentationClassAug, read as they are.
        cv::imwrite((voc / "SegmentationClass" / "2007_000002.png").string(), mask);
        QCOMPARE(cv::countNonZero(load_voc_pair(train[1]).mask != mask), 0);
        QCOMPARE(voc_palette()[15], cv::Vec3b(192, 128, 128));
        // Labels outside VOC's classes are refused, naming the file and the pixel: an index 30,
        // and a colour that is no class's (a resized or JPEG-compressed mask).
        cv::Mat bad = mask.clone();
        bad.at<uint8_t>(4, 7) = 30;
        const std::string bad_path = (voc / "SegmentationClass" / "bad.png").string();
        cv::imwrite(bad_path, bad);
        QVERIFY(throws_dataset_error([&] { decode_voc_mask(bad_path); }));
        try {
            decode_voc_mask(bad_path);
        } catch (const DatasetError& e) {
            const std::string what = e.what();
            QVERIFY2(what.find("bad.png") != std::string::npos &&
                         what.find("label 30 at pixel (7, 4)") != std::string::npos,
                     what.c_str());
        }
        cv::Mat colours = colorize_voc_mask(mask);
        colours.at<cv::Vec3b>(5, 3) = cv::Vec3b(10, 20, 30);  // BGR
        cv::imwrite(bad_path, colours);
        try {
            decode_voc_mask(bad_path);
            QFAIL("an off-palette colour was accepted");
        } catch (const DatasetError& e) {
            const std::string what = e.what();
            QVERIFY2(what.find("colour RGB (30, 20, 10) at pixel (3, 5)") != std::string::npos,
                     what.c_str());
        }
        QVERIFY(
            throws_dataset_error([&] { read_voc_split(voc.string(), "val"); }));  // missing files
        QVERIFY(throws_dataset_error([&] { read_voc_split(voc.string(), "test"); }));  // no list
        write_text(voc / "SegmentationClass" / "2007_000002.png", "garbage");
        QVERIFY(throws_dataset_error([&] { load_voc_pair(train[1]); }));
    }

    void truncatedImagesNeverCrash() {
        const std::string png = read_all(folder_ / "cat" / "img0.png");
        const std::string jpg = read_all(root() / "full.jpg");
        int n = 0;
        for (const std::string* src : {&png, &jpg})
            for (std::size_t cut = 0; cut < src->size(); cut += 1 + cut / 6) {
                const fs::path p =
                    root() / ("cut" + std::to_string(n++) + (src == &png ? ".png" : ".jpg"));
                std::string bytes = src->substr(0, cut);
                if (cut > 40) bytes[cut / 2] ^= 0x5a;
                write_text(p, bytes);
                decode_rgb(p.string());  // empty or an image; never a crash
            }
        QVERIFY(n > 20);
    }
};

QTEST_APPLESS_MAIN(TestDatasets)
#include "test_datasets.moc"
