// SPDX-License-Identifier: GPL-3.0-or-later
// Joint image/mask augmentation for segmentation (backend/data/segmentation_augment.h): labels
// stay on their pixels through scale, pad + crop and flip (checked on images whose colours encode
// the label), masks are never interpolated, crop sizes, determinism per rng seed, input checks,
// and the evaluation resize.
#include "data/segmentation_augment.h"

#include <QtTest/QtTest>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace tpgm;

namespace {

// Labels of the test scenes (255 = an ignore region), each drawn in its own colour.
constexpr std::array<uint8_t, 9> kLabels = {0, 1, 2, 3, 5, 8, 13, 20, 255};

// Every colour's blue channel is >= 160 and every grey is >= 150, while the default fill is
// (124, 116, 104): no blend of scene colours can equal the fill, so the fill marks padding.
cv::Vec3b colour_of(size_t i) {
    return {static_cast<uint8_t>(120 * (i % 3)), static_cast<uint8_t>(120 * (i / 3 % 3)),
            static_cast<uint8_t>(i % 2 ? 250 : 160)};
}
uint8_t grey_of(size_t i) {
    return static_cast<uint8_t>(150 + 12 * i);
}

// A scene of rectangular regions 6..12 px wide, one random label each; the image draws each
// region in its label's colour (or grey), the mask holds the label.
struct Scene {
    cv::Mat image, mask;
};
Scene make_scene(int w, int h, bool colour, uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto edges = [&](int n) {
        std::vector<int> e;
        for (int x = 0; x < n; x += 6 + static_cast<int>(rng() % 7)) e.push_back(x);
        e.push_back(n);
        return e;
    };
    const std::vector<int> xs = edges(w), ys = edges(h);
    Scene s{cv::Mat(h, w, colour ? CV_8UC3 : CV_8UC1), cv::Mat(h, w, CV_8UC1)};
    for (size_t r = 0; r + 1 < ys.size(); ++r)
        for (size_t c = 0; c + 1 < xs.size(); ++c) {
            const size_t i = rng() % kLabels.size();
            const cv::Rect cell(xs[c], ys[r], xs[c + 1] - xs[c], ys[r + 1] - ys[r]);
            s.image(cell).setTo(colour
                                    ? cv::Scalar(colour_of(i)[0], colour_of(i)[1], colour_of(i)[2])
                                    : cv::Scalar(grey_of(i)));
            s.mask(cell).setTo(kLabels[i]);
        }
    return s;
}

// Index of the scene colour within 2 per channel of the pixel (uint8 rounding), or -1.
int decode(const cv::Mat& image, int y, int x) {
    for (size_t i = 0; i < kLabels.size(); ++i) {
        bool near = true;
        for (int ch = 0; ch < image.channels(); ++ch) {
            const int v =
                image.channels() == 3 ? image.at<cv::Vec3b>(y, x)[ch] : image.at<uint8_t>(y, x);
            const int want = image.channels() == 3 ? colour_of(i)[ch] : grey_of(i);
            near = near && std::abs(v - want) <= 2;
        }
        if (near) return static_cast<int>(i);
    }
    return -1;
}

bool is_fill(const cv::Mat& image, int y, int x, const cv::Scalar& fill) {
    if (image.channels() == 1) return image.at<uint8_t>(y, x) == fill[0];
    const cv::Vec3b p = image.at<cv::Vec3b>(y, x);
    return p[0] == fill[0] && p[1] == fill[1] && p[2] == fill[2];
}

struct Alignment {
    int64_t checked = 0;       // interior labelled pixels compared with the image
    int64_t mismatched = 0;    // ... whose colour says another label
    int64_t impure = 0;        // ... whose colour is no scene colour (a blend inside a region)
    int64_t padded = 0;        // pixels of fill colour
    int64_t pad_labelled = 0;  // ... whose mask is not 255
    Alignment& operator+=(const Alignment& a) {
        checked += a.checked, mismatched += a.mismatched, impure += a.impure;
        padded += a.padded, pad_labelled += a.pad_labelled;
        return *this;
    }
};

// Compares every mask pixel that is not 255 and has the same label everywhere within 2 px (the
// whole 5x5 window inside the image: beyond a crop's edge the neighbourhood is unknown) with the
// label its image colour encodes. Fill-coloured pixels are padding and must be 255 in the mask.
Alignment check_alignment(const cv::Mat& image, const cv::Mat& mask, const cv::Scalar& fill) {
    cv::Mat lo, hi;
    const cv::Mat k = cv::Mat::ones(5, 5, CV_8U);
    cv::erode(mask, lo, k);
    cv::dilate(mask, hi, k);
    Alignment a;
    for (int y = 0; y < mask.rows; ++y)
        for (int x = 0; x < mask.cols; ++x) {
            const uint8_t m = mask.at<uint8_t>(y, x);
            if (is_fill(image, y, x, fill)) {
                ++a.padded;
                a.pad_labelled += m != 255;
                continue;
            }
            const bool interior = y >= 2 && x >= 2 && y < mask.rows - 2 && x < mask.cols - 2 &&
                                  lo.at<uint8_t>(y, x) == hi.at<uint8_t>(y, x);
            if (m == 255 || !interior) continue;
            ++a.checked;
            const int i = decode(image, y, x);
            if (i < 0)
                ++a.impure;
            else if (kLabels[static_cast<size_t>(i)] != m)
                ++a.mismatched;
        }
    return a;
}

std::set<int> values_of(const cv::Mat& mask) {
    std::set<int> v;
    for (int y = 0; y < mask.rows; ++y)
        for (int x = 0; x < mask.cols; ++x) v.insert(mask.at<uint8_t>(y, x));
    return v;
}

// A per-pixel random label map over `labels`: the worst case for interpolation, where every
// pixel borders other labels.
cv::Mat noise_mask(int w, int h, const std::vector<uint8_t>& labels, uint64_t seed) {
    std::mt19937_64 rng(seed);
    cv::Mat m(h, w, CV_8UC1);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) m.at<uint8_t>(y, x) = labels[rng() % labels.size()];
    return m;
}

cv::Mat noise_image(int w, int h, int type, uint64_t seed) {
    cv::Mat m(h, w, type);
    cv::RNG rng(seed);
    rng.fill(m, cv::RNG::UNIFORM, 0, 256);
    return m;
}

bool same(const cv::Mat& a, const cv::Mat& b) {
    return a.size() == b.size() && a.type() == b.type() &&
           (a.empty() || cv::norm(a, b, cv::NORM_INF) == 0);
}

// Whether `f` throws std::invalid_argument whose message contains every fragment.
bool throws_naming(const std::function<void()>& f, std::initializer_list<std::string> fragments) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        for (const auto& s : fragments)
            if (what.find(s) == std::string::npos) {
                qWarning("message \"%s\" lacks \"%s\"", e.what(), s.c_str());
                return false;
            }
        return true;
    }
    qWarning("no std::invalid_argument");
    return false;
}

SegmentationAugmentOptions options(double lo, double hi, int crop, bool flip = true) {
    SegmentationAugmentOptions o;
    o.min_scale = lo;
    o.max_scale = hi;
    o.crop = crop;
    o.flip = flip;
    return o;
}

}  // namespace

class TestSegmentationAugment : public QObject {
    Q_OBJECT

  private Q_SLOTS:
    // The checker itself must see a misaligned pair, or the alignment test proves nothing.
    void checkerCatchesMisalignment() {
        const Scene s = make_scene(90, 70, true, 7);
        const cv::Scalar fill = SegmentationAugmentOptions{}.fill;
        const Alignment ok = check_alignment(s.image, s.mask, fill);
        QVERIFY(ok.checked > 1000);
        QCOMPARE(ok.mismatched + ok.impure, int64_t{0});

        cv::Mat flipped, shifted;
        cv::flip(s.mask, flipped, 1);
        QVERIFY(check_alignment(s.image, flipped, fill).mismatched > 500);
        const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, 3, 0, 1, 0);
        cv::warpAffine(s.mask, shifted, shift, s.mask.size(), cv::INTER_NEAREST,
                       cv::BORDER_REPLICATE);
        QVERIFY(check_alignment(s.image, shifted, fill).mismatched > 100);
    }

    void alignment_data() {
        QTest::addColumn<double>("lo");
        QTest::addColumn<double>("hi");
        QTest::addColumn<int>("crop");
        QTest::addColumn<bool>("flip");
        QTest::addColumn<bool>("expectPadding");
        QTest::newRow("scale 0.5-2, no crop") << 0.5 << 2.0 << 0 << true << false;
        QTest::newRow("scale 0.5-2, no crop, no flip") << 0.5 << 2.0 << 0 << false << false;
        QTest::newRow("scale 0.5-2, crop 64 (smaller and larger)")
            << 0.5 << 2.0 << 64 << true << true;
        QTest::newRow("scale 0.3-0.9, crop 96 (always padded)") << 0.3 << 0.9 << 96 << true << true;
        QTest::newRow("scale 1.1-2, crop 40 (always inside)") << 1.1 << 2.0 << 40 << true << false;
        QTest::newRow("scale 1, crop 120 (padded, unscaled)") << 1.0 << 1.0 << 120 << true << true;
    }

    // Every interior labelled mask pixel carries the label its image pixel's colour encodes,
    // over many seeds, for colour and grey images; padding is 255 in the mask.
    void alignment() {
        QFETCH(double, lo);
        QFETCH(double, hi);
        QFETCH(int, crop);
        QFETCH(bool, flip);
        QFETCH(bool, expectPadding);
        const SegmentationAugmentOptions o = options(lo, hi, crop, flip);
        for (const bool colour : {true, false}) {
            Alignment total;
            for (uint64_t seed = 1; seed <= 30; ++seed) {
                const Scene s = make_scene(90, 70, colour, 100 + seed);
                std::mt19937_64 rng(seed);
                const ImageMask out = augment_segmentation(s.image, s.mask, o, rng);
                const Alignment a = check_alignment(out.image, out.mask, o.fill);
                const QByteArray where = QByteArray(colour ? "colour" : "grey") + " seed " +
                                         QByteArray::number(qulonglong(seed));
                QVERIFY2(a.mismatched == 0,
                         (where + ": " + QByteArray::number(a.mismatched) + " of " +
                          QByteArray::number(a.checked) + " pixels carry another region's label")
                             .constData());
                QVERIFY2(a.impure == 0, (where + ": " + QByteArray::number(a.impure) +
                                         " interior pixels are blends")
                                            .constData());
                QVERIFY2(a.pad_labelled == 0, (where + ": " + QByteArray::number(a.pad_labelled) +
                                               " padding pixels are labelled")
                                                  .constData());
                total += a;
            }
            QVERIFY(total.checked > 5000);  // the check ran on plenty of pixels
            QCOMPARE(total.padded > 0, expectPadding);
        }
    }

    // At scale 1 nothing is resampled, so crop and flip must keep the pair pixel-exact: every
    // pixel (borders included) carries its colour's label, padding 255. Catches 1 px offsets
    // that the 2 px margin above lets through.
    void exactAtScaleOne() {
        for (const bool colour : {true, false})
            for (const int crop : {0, 31, 64, 120})
                for (uint64_t seed = 1; seed <= 20; ++seed) {
                    const Scene s = make_scene(90, 70, colour, 300 + seed);
                    const SegmentationAugmentOptions o = options(1, 1, crop);
                    std::mt19937_64 rng(seed);
                    const ImageMask out = augment_segmentation(s.image, s.mask, o, rng);
                    for (int y = 0; y < out.mask.rows; ++y)
                        for (int x = 0; x < out.mask.cols; ++x) {
                            const int m = out.mask.at<uint8_t>(y, x);
                            const int i = decode(out.image, y, x);
                            const int want = is_fill(out.image, y, x, o.fill)
                                                 ? 255
                                                 : (i < 0 ? -1 : kLabels[static_cast<size_t>(i)]);
                            if (m != want)
                                QFAIL(qPrintable(QString("crop %1 seed %2 (%3, %4): mask %5, image "
                                                         "says %6")
                                                     .arg(crop)
                                                     .arg(seed)
                                                     .arg(x)
                                                     .arg(y)
                                                     .arg(m)
                                                     .arg(want)));
                        }
                }
    }

    // Nearest-neighbour only: the mask holds input labels and 255, never a value in between,
    // even on a per-pixel noise mask; with no padding, a mask without 255 stays without it.
    void maskKeepsInputLabels() {
        const std::vector<uint8_t> labels = {0, 3, 7, 15, 200};
        const std::set<int> allowed = {0, 3, 7, 15, 200, 255};
        const cv::Mat mask = noise_mask(61, 47, labels, 5);
        QCOMPARE(values_of(mask), std::set<int>(labels.begin(), labels.end()));
        const std::vector<SegmentationAugmentOptions> all = {
            options(0.3, 3.0, 0), options(0.5, 2.0, 64), options(0.37, 0.81, 33),
            options(1.0, 2.5, 40)};
        for (size_t k = 0; k < all.size(); ++k)
            for (const int type : {CV_8UC3, CV_8UC1})
                for (uint64_t seed = 1; seed <= 25; ++seed) {
                    const cv::Mat image = noise_image(61, 47, type, seed);
                    std::mt19937_64 rng(seed);
                    const ImageMask out = augment_segmentation(image, mask, all[k], rng);
                    std::set<int> v = values_of(out.mask);
                    for (const int a : allowed) v.erase(a);
                    QVERIFY2(v.empty(), qPrintable(QString("options %1 seed %2: new value %3")
                                                       .arg(k)
                                                       .arg(seed)
                                                       .arg(v.empty() ? -1 : *v.begin())));
                    // Scale >= 1 and crop <= the image: nothing padded, so no 255 appears.
                    if (k == 3) QVERIFY(!values_of(out.mask).count(255));
                }
    }

    // crop > 0: both outputs are crop x crop whatever the scale; crop 0: the scaled size.
    void outputSizes() {
        const Scene s = make_scene(90, 70, true, 3);
        const Scene g = make_scene(90, 70, false, 4);
        for (const Scene* in : {&s, &g})
            for (const int crop : {1, 17, 64, 90, 300})
                for (uint64_t seed = 1; seed <= 10; ++seed) {
                    std::mt19937_64 rng(seed);
                    const ImageMask out =
                        augment_segmentation(in->image, in->mask, options(0.25, 3.0, crop), rng);
                    QCOMPARE(out.image.size(), cv::Size(crop, crop));
                    QCOMPARE(out.mask.size(), cv::Size(crop, crop));
                    QCOMPARE(out.image.type(), in->image.type());
                    QCOMPARE(out.mask.type(), CV_8UC1);
                    QVERIFY(out.image.isContinuous() && out.mask.isContinuous());
                }
        for (uint64_t seed = 1; seed <= 20; ++seed) {
            std::mt19937_64 rng(seed);
            const ImageMask out = augment_segmentation(s.image, s.mask, options(0.5, 2.0, 0), rng);
            QCOMPARE(out.image.size(), out.mask.size());
            QVERIFY(out.image.cols >= 45 && out.image.cols <= 180);
            QVERIFY(out.image.rows >= 35 && out.image.rows <= 140);
            // One factor for both sides: the aspect ratio is kept (up to rounding).
            QVERIFY(std::abs(out.image.cols * 70.0 / out.image.rows - 90.0) < 90.0 * 0.03);
        }
    }

    // Scale 1, no crop, no flip is the identity, in fresh memory.
    void identity() {
        const Scene s = make_scene(90, 70, true, 9);
        std::mt19937_64 rng(1);
        const ImageMask out = augment_segmentation(s.image, s.mask, options(1, 1, 0, false), rng);
        QVERIFY(same(out.image, s.image));
        QVERIFY(same(out.mask, s.mask));
        QVERIFY(out.image.data != s.image.data && out.mask.data != s.mask.data);
    }

    // The flip is the last draw: with the same seed, flip on gives the flip-off pair either
    // unchanged or mirrored, image and mask together, and both happen.
    void flipIsJoint() {
        const Scene s = make_scene(90, 70, true, 11);
        int mirrored = 0, kept = 0;
        for (uint64_t seed = 1; seed <= 40; ++seed) {
            std::mt19937_64 a(seed), b(seed);
            const ImageMask off =
                augment_segmentation(s.image, s.mask, options(0.5, 2, 64, false), a);
            const ImageMask on =
                augment_segmentation(s.image, s.mask, options(0.5, 2, 64, true), b);
            cv::Mat fi, fm;
            cv::flip(off.image, fi, 1);
            cv::flip(off.mask, fm, 1);
            if (same(on.image, off.image) && same(on.mask, off.mask))
                ++kept;
            else if (same(on.image, fi) && same(on.mask, fm))
                ++mirrored;
            else
                QFAIL(qPrintable(QString("seed %1: flip did not act on both alike").arg(seed)));
        }
        QVERIFY2(mirrored >= 8 && kept >= 8,
                 qPrintable(QString("mirrored %1, kept %2 of 40").arg(mirrored).arg(kept)));
    }

    // A pure function of the inputs and the rng state: same seed, same pair and same rng state
    // after; different seeds, different pairs; the inputs are never modified.
    void determinism() {
        const Scene s = make_scene(90, 70, true, 13);
        const cv::Mat image0 = s.image.clone(), mask0 = s.mask.clone();
        for (const int crop : {0, 48, 200}) {
            const SegmentationAugmentOptions o = options(0.5, 2.0, crop);
            std::vector<ImageMask> firsts;
            for (uint64_t seed = 1; seed <= 8; ++seed) {
                std::mt19937_64 a(seed), b(seed);
                const ImageMask x = augment_segmentation(s.image, s.mask, o, a);
                const ImageMask y = augment_segmentation(s.image, s.mask, o, b);
                QVERIFY(same(x.image, y.image) && same(x.mask, y.mask));
                // Both rngs advanced, and alike, so a shared rng stays reproducible.
                QVERIFY(a == b);
                QVERIFY(a != std::mt19937_64(seed));
                firsts.push_back(x);
            }
            for (size_t i = 0; i < firsts.size(); ++i)
                for (size_t j = i + 1; j < firsts.size(); ++j)
                    QVERIFY2(!same(firsts[i].image, firsts[j].image),
                             qPrintable(QString("crop %1: seeds %2 and %3 give the same image")
                                            .arg(crop)
                                            .arg(i + 1)
                                            .arg(j + 1)));
        }
        QVERIFY(same(s.image, image0) && same(s.mask, mask0));
    }

    void badInputThrows() {
        const Scene s = make_scene(90, 70, true, 17);
        std::mt19937_64 rng(1);
        const SegmentationAugmentOptions o;
        const cv::Mat narrower = s.mask(cv::Rect(0, 0, 89, 70)).clone();
        QVERIFY(throws_naming([&] { augment_segmentation(s.image, narrower, o, rng); },
                              {"differ", "90x70", "89x70"}));
        QVERIFY(throws_naming([&] { resize_for_evaluation(s.image, narrower, 32); },
                              {"differ", "90x70", "89x70"}));
        QVERIFY(throws_naming([&] { resize_for_evaluation(s.image, narrower, 0); },
                              {"90x70", "89x70"}));
        // A colour mask (an undecoded VOC palette PNG, say).
        cv::Mat colour_mask;
        cv::cvtColor(s.mask, colour_mask, cv::COLOR_GRAY2BGR);
        QVERIFY(throws_naming([&] { augment_segmentation(s.image, colour_mask, o, rng); },
                              {"mask", "CV_8UC1", "CV_8UC3"}));
        QVERIFY(throws_naming([&] { resize_for_evaluation(s.image, colour_mask, 32); },
                              {"mask", "CV_8UC1"}));
        cv::Mat wide_mask;
        s.mask.convertTo(wide_mask, CV_16U);
        QVERIFY(throws_naming([&] { augment_segmentation(s.image, wide_mask, o, rng); },
                              {"mask", "CV_16UC1"}));
        cv::Mat float_image;
        s.image.convertTo(float_image, CV_32FC3);
        QVERIFY(throws_naming([&] { augment_segmentation(float_image, s.mask, o, rng); },
                              {"image", "CV_32FC3"}));
        QVERIFY(
            throws_naming([&] { augment_segmentation(cv::Mat(), cv::Mat(), o, rng); }, {"empty"}));
        QVERIFY(throws_naming([&] { augment_segmentation(s.image, s.mask, options(0, 2, 0), rng); },
                              {"min_scale"}));
        QVERIFY(throws_naming([&] { augment_segmentation(s.image, s.mask, options(2, 1, 0), rng); },
                              {"max_scale"}));
        QVERIFY(throws_naming(
            [&] { augment_segmentation(s.image, s.mask, options(1, 1, -1), rng); }, {"crop"}));
    }

    // Fixed size: size x size, input labels only, still aligned; size <= 0: full resolution.
    void evaluationResize() {
        const std::vector<uint8_t> labels = {1, 4, 9, 255};
        const cv::Mat mask = noise_mask(75, 50, labels, 21);
        for (const int type : {CV_8UC3, CV_8UC1}) {
            const cv::Mat image = noise_image(75, 50, type, 22);
            for (const int size : {1, 32, 64, 100, 513}) {
                const ImageMask out = resize_for_evaluation(image, mask, size);
                QCOMPARE(out.image.size(), cv::Size(size, size));
                QCOMPARE(out.mask.size(), cv::Size(size, size));
                QCOMPARE(out.image.type(), type);
                QCOMPARE(out.mask.type(), CV_8UC1);
                for (const int v : values_of(out.mask))
                    QVERIFY2(v == 1 || v == 4 || v == 9 || v == 255,
                             qPrintable(QString("size %1: value %2").arg(size).arg(v)));
                const ImageMask again = resize_for_evaluation(image, mask, size);
                QVERIFY(same(out.image, again.image) && same(out.mask, again.mask));
            }
            for (const int size : {0, -1}) {
                const ImageMask out = resize_for_evaluation(image, mask, size);
                QVERIFY(same(out.image, image) && same(out.mask, mask));
                QVERIFY(out.image.data != image.data && out.mask.data != mask.data);
            }
        }
        // Down (and out of aspect) and up: labels stay on their pixels.
        for (const bool colour : {true, false}) {
            const Scene s = make_scene(90, 70, colour, 23);
            int64_t checked = 0;
            for (const int size : {48, 128}) {
                const ImageMask out = resize_for_evaluation(s.image, s.mask, size);
                const Alignment a = check_alignment(out.image, out.mask, cv::Scalar::all(0));
                QCOMPARE(a.mismatched + a.impure, int64_t{0});
                checked += a.checked;
            }
            QVERIFY(checked > 2000);
        }
    }
};

QTEST_GUILESS_MAIN(TestSegmentationAugment)
#include "test_segmentation_augment.moc"
