// SPDX-License-Identifier: GPL-3.0-or-later
// Qt Test suite for the ImageNet-C corruptions (backend/robustness/corruptions.h).
#include <QtTest/QtTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "robustness/corruptions.h"
#include "robustness/corruptions_internal.h"

using tpgm::robustness::all_corruptions;
using tpgm::robustness::benchmark_corruptions;
using tpgm::robustness::corrupt;
using tpgm::robustness::Corruption;
using tpgm::robustness::corruption_from_name;
using tpgm::robustness::corruption_name;

Q_DECLARE_METATYPE(Corruption)

namespace {

// Deterministic textured test image: gradients, shapes and mild noise.
cv::Mat test_image(cv::Size size, int channels) {
    cv::Mat img(size, CV_8UC3);
    for (int y = 0; y < size.height; ++y) {
        for (int x = 0; x < size.width; ++x) {
            img.at<cv::Vec3b>(y, x) =
                cv::Vec3b(static_cast<uchar>(40 + 150 * x / std::max(1, size.width)),
                          static_cast<uchar>(60 + 120 * y / std::max(1, size.height)),
                          static_cast<uchar>(128 + 80 * std::sin(0.3 * x + 0.2 * y)));
        }
    }
    const int s = std::min(size.width, size.height);
    cv::circle(img, cv::Point(size.width / 3, size.height / 2), s / 4, cv::Scalar(20, 200, 240),
               cv::FILLED);
    cv::rectangle(img, cv::Rect(size.width / 2, size.height / 5, s / 3 + 1, s / 3 + 1),
                  cv::Scalar(230, 40, 30), cv::FILLED);
    cv::RNG rng(1234);
    cv::Mat noise(size, CV_16SC3);
    rng.fill(noise, cv::RNG::NORMAL, cv::Scalar::all(0), cv::Scalar::all(5));
    cv::add(img, noise, img, cv::noArray(), CV_8UC3);
    if (channels == 1) cv::cvtColor(img, img, cv::COLOR_BGR2GRAY);
    return img;
}

double mean_abs_diff(const cv::Mat& a, const cv::Mat& b) {
    cv::Mat d;
    cv::absdiff(a, b, d);
    return cv::mean(d.reshape(1))[0];
}

bool identical(const cv::Mat& a, const cv::Mat& b) {
    return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

bool is_random(Corruption c) {
    switch (c) {
        case Corruption::GaussianNoise:
        case Corruption::ShotNoise:
        case Corruption::ImpulseNoise:
        case Corruption::SpeckleNoise:
        case Corruption::GlassBlur:
        case Corruption::MotionBlur:
        case Corruption::Snow:
        case Corruption::Frost:
        case Corruption::Fog:
        case Corruption::Elastic:
        case Corruption::Spatter:
            return true;
        default:
            return false;
    }
}

template <typename F>
bool throws_invalid(F f, const char* needle) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return std::string(e.what()).find(needle) != std::string::npos;
    }
    return false;
}

}  // namespace

class TestCorruptions : public QObject {
    Q_OBJECT

  private:
    static void add_all_rows() {
        QTest::addColumn<Corruption>("corruption");
        for (Corruption c : all_corruptions()) {
            QTest::newRow(std::string(corruption_name(c)).c_str()) << c;
        }
    }

  private Q_SLOTS:
    void names() {
        QCOMPARE(all_corruptions().size(), std::size_t(19));
        QCOMPARE(benchmark_corruptions().size(), std::size_t(15));
        std::set<std::string> seen;
        for (Corruption c : all_corruptions()) {
            const std::string name(corruption_name(c));
            QVERIFY(seen.insert(name).second);
            QVERIFY(corruption_from_name(name) == c);
        }
        QCOMPARE(std::string(corruption_name(Corruption::GaussianNoise)),
                 std::string("gaussian_noise"));
        QCOMPARE(std::string(corruption_name(Corruption::Jpeg)), std::string("jpeg_compression"));
        QCOMPARE(std::string(corruption_name(Corruption::Elastic)),
                 std::string("elastic_transform"));
        QVERIFY(benchmark_corruptions().back() == Corruption::Jpeg);
        QVERIFY(!corruption_from_name("gaussian-noise").has_value());
        QVERIFY(!corruption_from_name("").has_value());
    }

    void shapeAndType_data() { add_all_rows(); }
    void shapeAndType() {
        QFETCH(Corruption, corruption);
        const std::vector<cv::Size> sizes = {{1, 1},   {5, 3},   {28, 28},
                                             {32, 32}, {90, 50}, {224, 224}};
        for (const cv::Size& size : sizes) {
            for (int channels : {1, 3}) {
                const cv::Mat img = test_image(size, channels);
                for (int severity = 1; severity <= 5; ++severity) {
                    cv::Mat out;
                    try {
                        out = corrupt(img, corruption, severity, 7);
                    } catch (const std::exception& e) {
                        QFAIL(qPrintable(QString("%1x%2 c%3 s%4 threw: %5")
                                             .arg(size.width)
                                             .arg(size.height)
                                             .arg(channels)
                                             .arg(severity)
                                             .arg(e.what())));
                    }
                    QCOMPARE(out.size(), img.size());
                    QCOMPARE(out.type(), img.type());
                }
            }
        }
    }

    void determinism_data() { add_all_rows(); }
    void determinism() {
        QFETCH(Corruption, corruption);
        for (int channels : {1, 3}) {
            const cv::Mat img = test_image({64, 48}, channels);
            for (int severity : {1, 3, 5}) {
                const cv::Mat a = corrupt(img, corruption, severity, 42);
                const cv::Mat b = corrupt(img, corruption, severity, 42);
                QVERIFY2(identical(a, b), "same seed must give the same output");
                const cv::Mat c = corrupt(img, corruption, severity, 43);
                if (is_random(corruption)) {
                    QVERIFY2(!identical(a, c), "different seeds should differ");
                } else {
                    QVERIFY2(identical(a, c), "deterministic corruption must ignore the seed");
                }
            }
        }
        // The input is never modified.
        const cv::Mat img = test_image({40, 40}, 3);
        const cv::Mat copy = img.clone();
        corrupt(img, corruption, 5, 1);
        QVERIFY(identical(img, copy));
    }

    void severityMonotonic_data() {
        QTest::addColumn<Corruption>("corruption");
        QTest::addColumn<double>("tolerance");  // allowed relative drop between severities
        QTest::newRow("gaussian_noise") << Corruption::GaussianNoise << 0.0;
        QTest::newRow("shot_noise") << Corruption::ShotNoise << 0.0;
        QTest::newRow("impulse_noise") << Corruption::ImpulseNoise << 0.0;
        QTest::newRow("speckle_noise") << Corruption::SpeckleNoise << 0.0;
        QTest::newRow("defocus_blur") << Corruption::DefocusBlur << 0.0;
        QTest::newRow("motion_blur") << Corruption::MotionBlur << 0.15;
        QTest::newRow("zoom_blur") << Corruption::ZoomBlur << 0.0;
        QTest::newRow("gaussian_blur") << Corruption::GaussianBlur << 0.0;
        QTest::newRow("contrast") << Corruption::Contrast << 0.0;
        QTest::newRow("brightness") << Corruption::Brightness << 0.0;
        // Pixel grids that divide the image evenly reconstruct better, hence the tolerance.
        QTest::newRow("pixelate") << Corruption::Pixelate << 0.15;
        QTest::newRow("jpeg_compression") << Corruption::Jpeg << 0.05;
    }
    void severityMonotonic() {
        QFETCH(Corruption, corruption);
        QFETCH(double, tolerance);
        for (int channels : {1, 3}) {
            for (int side : {32, 224}) {
                const cv::Mat img = test_image({side, side}, channels);
                std::vector<double> mad;
                for (int severity = 1; severity <= 5; ++severity) {
                    mad.push_back(mean_abs_diff(img, corrupt(img, corruption, severity, 5)));
                }
                const QString values = QString("%1 %2 %3 %4 %5")
                                           .arg(mad[0])
                                           .arg(mad[1])
                                           .arg(mad[2])
                                           .arg(mad[3])
                                           .arg(mad[4]);
                for (int i = 1; i < 5; ++i) {
                    QVERIFY2(mad[i] >= mad[i - 1] * (1.0 - tolerance) - 1e-9,
                             qPrintable(
                                 QString("side %1 ch %2: %3").arg(side).arg(channels).arg(values)));
                }
                // Severity 1 may be (nearly) a no-op for blurs on tiny images.
                QVERIFY2(mad[4] > 1.2 * mad[0] + 0.5,
                         qPrintable(QString("no clear effect, side %1 ch %2: %3")
                                        .arg(side)
                                        .arg(channels)
                                        .arg(values)));
            }
        }
    }

    void contrastKnownValues() {
        // 2x2 BGR image, means per channel computed by hand.
        cv::Mat img(2, 2, CV_8UC3);
        img.at<cv::Vec3b>(0, 0) = {10, 200, 0};
        img.at<cv::Vec3b>(0, 1) = {20, 100, 255};
        img.at<cv::Vec3b>(1, 0) = {30, 50, 255};
        img.at<cv::Vec3b>(1, 1) = {41, 0, 0};
        const double means[3] = {101.0 / 4, 350.0 / 4, 510.0 / 4};
        const double factor[5] = {0.4, 0.3, 0.2, 0.1, 0.05};
        for (int s = 1; s <= 5; ++s) {
            const cv::Mat out = corrupt(img, Corruption::Contrast, s, 0);
            for (int y = 0; y < 2; ++y) {
                for (int x = 0; x < 2; ++x) {
                    for (int k = 0; k < 3; ++k) {
                        const double v = img.at<cv::Vec3b>(y, x)[k];
                        const double m = means[k];
                        const int expected = cv::saturate_cast<uchar>(
                            ((v / 255.0 - m / 255.0) * factor[s - 1] + m / 255.0) * 255.0);
                        QCOMPARE(int(out.at<cv::Vec3b>(y, x)[k]), expected);
                    }
                }
            }
        }
        // Severity 5 squeezes a 0/255 checkerboard to 127.5 -/+ 6.375.
        cv::Mat board = (cv::Mat_<uchar>(2, 2) << 0, 255, 255, 0);
        const cv::Mat out = corrupt(board, Corruption::Contrast, 5, 0);
        QCOMPARE(int(out.at<uchar>(0, 0)), 121);  // 121.125
        QCOMPARE(int(out.at<uchar>(0, 1)), 134);  // 133.875
    }

    void brightnessKnownValues() {
        // Grey: V + c, clipped. Severity 2 adds 0.2 (51 grey levels).
        cv::Mat gray = (cv::Mat_<uchar>(1, 3) << 0, 100, 210);
        cv::Mat out = corrupt(gray, Corruption::Brightness, 2, 0);
        QCOMPARE(int(out.at<uchar>(0, 0)), 51);
        QCOMPARE(int(out.at<uchar>(0, 1)), 151);
        QCOMPARE(int(out.at<uchar>(0, 2)), 255);
        // Colour: hue and saturation kept, so channels scale by V'/V. (B,G,R)=(51,102,204):
        // V = 0.8, severity 1 -> V' = 0.9: (57.375, 114.75, 229.5).
        cv::Mat colour(1, 1, CV_8UC3, cv::Scalar(51, 102, 204));
        out = corrupt(colour, Corruption::Brightness, 1, 0);
        const cv::Vec3b p = out.at<cv::Vec3b>(0, 0);
        QCOMPARE(int(p[0]), 57);
        QCOMPARE(int(p[1]), 115);
        QVERIFY(p[2] == 229 || p[2] == 230);
    }

    void pixelateKnownValues() {
        // 8x8 at severity 2 (factor 0.5): each 2x2 block becomes its mean.
        cv::Mat img(8, 8, CV_8UC1);
        for (int y = 0; y < 8; ++y) {
            for (int x = 0; x < 8; ++x) img.at<uchar>(y, x) = uchar(8 * y + 4 * x + (x % 2) * 2);
        }
        const cv::Mat out = corrupt(img, Corruption::Pixelate, 2, 0);
        for (int y = 0; y < 8; ++y) {
            for (int x = 0; x < 8; ++x) {
                const int by = y / 2 * 2, bx = x / 2 * 2;
                const int sum = img.at<uchar>(by, bx) + img.at<uchar>(by, bx + 1) +
                                img.at<uchar>(by + 1, bx) + img.at<uchar>(by + 1, bx + 1);
                QCOMPARE(sum % 4, 0);  // no rounding ambiguity
                QCOMPARE(int(out.at<uchar>(y, x)), sum / 4);
            }
        }
        // A constant image stays constant at every severity.
        const cv::Mat flat(37, 23, CV_8UC3, cv::Scalar(9, 99, 199));
        for (int s = 1; s <= 5; ++s) {
            QVERIFY(identical(corrupt(flat, Corruption::Pixelate, s, 0), flat));
        }
    }

    void pixelatePillowBox() {
        // Severity 1 on a 10-px side: Pillow BOX to int(10 * 0.6) = 6, window i covers the input
        // pixels whose centres lie in (i * 10/6, (i + 1) * 10/6]: {0,1} {2} {3,4} {5,6} {7}
        // {8,9}, averaged with round-half-up. (INTER_AREA would weigh pixel 1 by 2/3 instead.)
        // Pillow NEAREST back to 10 reads small[int(0.3 + 0.6 * x)]: 0 0 1 2 2 3 3 4 5 5.
        const int p[10] = {10, 20, 30, 41, 50, 60, 70, 80, 90, 101};
        const int expected[10] = {15, 15, 30, 46, 46, 65, 65, 80, 96, 96};
        cv::Mat cols(10, 10, CV_8UC1), rows(10, 10, CV_8UC1);
        for (int y = 0; y < 10; ++y) {
            for (int x = 0; x < 10; ++x) {
                cols.at<uchar>(y, x) = uchar(p[x]);
                rows.at<uchar>(y, x) = uchar(p[y]);
            }
        }
        const cv::Mat out_cols = corrupt(cols, Corruption::Pixelate, 1, 0);
        const cv::Mat out_rows = corrupt(rows, Corruption::Pixelate, 1, 0);
        for (int y = 0; y < 10; ++y) {
            for (int x = 0; x < 10; ++x) {
                QCOMPARE(int(out_cols.at<uchar>(y, x)), expected[x]);
                QCOMPARE(int(out_rows.at<uchar>(y, x)), expected[y]);
            }
        }
    }

    void zoomBlurKnownValues() {
        // On a linear ramp, bilinear interpolation is exact, so the published recipe has a closed
        // form. For each factor z of np.arange(1, stop, step), clipped_zoom crops c = ceil(n / z)
        // pixels from (n - c) // 2 and zooms them to round(c * z) >= n samples, corner-aligned:
        // output x reads crop coordinate x * (c - 1) / (round(c * z) - 1). The result is
        // (2 * ramp + sum over z != 1 of the zoomed ramp) / (count + 1).
        const int n = 32;
        cv::Mat ramp(n, n, CV_8UC1);
        for (int y = 0; y < n; ++y) {
            for (int x = 0; x < n; ++x) ramp.at<uchar>(y, x) = uchar(2 * x + 3 * y + 7);
        }
        const double stops[5] = {1.11, 1.16, 1.21, 1.26, 1.31};
        const double steps[5] = {0.01, 0.01, 0.02, 0.02, 0.03};
        const int counts[5] = {12, 16, 11, 13, 11};  // len(np.arange(...))
        auto zoomed = [&](int i, double z) {         // zoomed coordinate of output index i
            const int c = int(std::ceil(n / z));
            const int out = int(std::nearbyint(c * z));  // Python's round(): halves to even
            return (n - c) / 2 + i * double(c - 1) / (out - 1);
        };
        for (int s = 1; s <= 5; ++s) {
            const cv::Mat out = corrupt(ramp, Corruption::ZoomBlur, s, 0);
            const double delta = (1.0 + steps[s - 1]) - 1.0;  // numpy's arange step
            for (int y = 0; y < n; ++y) {
                for (int x = 0; x < n; ++x) {
                    // numpy's length, ceil((stop - start) / step), includes 1.1100000000000001.
                    const int count = int(std::ceil((stops[s - 1] - 1.0) / steps[s - 1]));
                    QCOMPARE(count, counts[s - 1]);
                    double sum = 2.0 * ramp.at<uchar>(y, x);
                    for (int i = 1; i < count; ++i) {
                        const double z = 1.0 + i * delta;
                        sum += 2 * zoomed(x, z) + 3 * zoomed(y, z) + 7;
                    }
                    const double expected = sum / (count + 1);
                    QVERIFY2(std::abs(out.at<uchar>(y, x) - expected) <= 0.5 + 1e-4,
                             qPrintable(QString("s%1 (%2,%3): %4 vs %5")
                                            .arg(s)
                                            .arg(x)
                                            .arg(y)
                                            .arg(int(out.at<uchar>(y, x)))
                                            .arg(expected)));
                }
            }
        }
        // By hand, severity 1 at z = 1.1: c = ceil(29.09) = 30 from row 1, zoomed to 33, so
        // output 31 reads 1 + 31 * 29 / 32 = 29.09375 (a centred zoom would read 29.68).
        QCOMPARE(zoomed(31, 1.0 + 10 * ((1.0 + 0.01) - 1.0)), 1.0 + 31.0 * 29.0 / 32.0);
    }

    void glassShuffleCopies() {
        // 5x5 with max_delta 1: the published loop visits (y, x) for y, x = 4, 3, 2 (bottom-right
        // first) and its "swap" copies x[y + dy, x + dx] over x[y, x]. With every offset
        // (-1, -1), each visited pixel takes its up-left neighbour's value, read before that
        // neighbour is visited; a true swap would instead carry pixel (4, 4)'s value up the
        // diagonal to (1, 1).
        cv::Mat x(5, 5, CV_8UC1);
        for (int i = 0; i < 25; ++i) x.at<uchar>(i / 5, i % 5) = uchar(10 * i);
        const cv::Mat orig = x.clone();
        int calls = 0;
        tpgm::robustness::detail::glass_shuffle(x, 1, 1, [&calls] {
            ++calls;
            return cv::Point(-1, -1);
        });
        QCOMPARE(calls, 9);
        const cv::Mat expected = (cv::Mat_<uchar>(5, 5) << 0, 10, 20, 30, 40,  //
                                  50, 60, 70, 80, 90,                          //
                                  100, 110, 60, 70, 80,                        //
                                  150, 160, 110, 120, 130,                     //
                                  200, 210, 160, 170, 180);
        QVERIFY2(identical(x, expected), "pixels are copied, not swapped");
        QVERIFY(!identical(x, orig));
        // Colour pixels are copied whole, and an overwritten pixel's value is gone (a swap would
        // move it to (3, 3)).
        cv::Mat c(5, 5, CV_8UC3, cv::Scalar(1, 2, 3));
        c.at<cv::Vec3b>(3, 4) = cv::Vec3b(7, 8, 9);
        c.at<cv::Vec3b>(3, 1) = cv::Vec3b(4, 5, 6);
        tpgm::robustness::detail::glass_shuffle(c, 1, 1, [] { return cv::Point(-1, 0); });
        QCOMPARE(c.at<cv::Vec3b>(3, 4), cv::Vec3b(1, 2, 3));
        QCOMPARE(c.at<cv::Vec3b>(3, 3), cv::Vec3b(1, 2, 3));
        QCOMPARE(c.at<cv::Vec3b>(3, 2), cv::Vec3b(4, 5, 6));
        QCOMPARE(c.at<cv::Vec3b>(3, 1), cv::Vec3b(4, 5, 6));
        QCOMPARE(cv::countNonZero(c.reshape(1) == 7), 0);
    }

    void frostTextureStatistics() {
        // The generated texture stands in for ImageNet-C's frost photographs frost1-5. Their
        // statistics as the published code uses them on a 224x224 image (1.1x INTER_CUBIC
        // rescale, random 224x224 crop; 400 crops each): per-channel mean and within-crop
        // standard deviation, BGR. Each texture profile and their average must be within 5 %.
        const double mean[5][3] = {{164.5, 147.8, 76.3},
                                   {212.3, 203.0, 198.6},
                                   {211.6, 202.3, 197.9},
                                   {172.3, 159.4, 144.7},
                                   {124.3, 112.4, 101.0}};
        const double spread[5][3] = {{13.1, 13.7, 22.6},
                                     {19.8, 19.1, 18.6},
                                     {20.0, 19.3, 18.7},
                                     {27.0, 25.7, 25.6},
                                     {33.4, 34.1, 34.5}};
        using tpgm::robustness::detail::frost_texture;
        using tpgm::robustness::detail::Rng;
        const int draws = 100;  // crops of one photograph differ in mean by 7-13 levels (sd)
        cv::Scalar all_mean, all_spread, photo_mean, photo_spread;
        for (int k = 0; k < 5; ++k) {
            cv::Scalar m, sd;
            for (int i = 0; i < draws; ++i) {
                Rng rng(1000 * k + i);
                const cv::Mat t = frost_texture({224, 224}, k, rng);
                QCOMPARE(t.type(), CV_8UC3);
                cv::Scalar a, b;
                cv::meanStdDev(t, a, b);
                m += a / draws;
                sd += b / draws;
            }
            for (int c = 0; c < 3; ++c) {
                QVERIFY2(
                    std::abs(m[c] / mean[k][c] - 1.0) < 0.05,
                    qPrintable(QString("photo %1 channel %2 mean %3").arg(k).arg(c).arg(m[c])));
                QVERIFY2(std::abs(sd[c] / spread[k][c] - 1.0) < 0.05,
                         qPrintable(QString("photo %1 channel %2 sd %3").arg(k).arg(c).arg(sd[c])));
                all_mean[c] += m[c] / 5;
                all_spread[c] += sd[c] / 5;
                photo_mean[c] += mean[k][c] / 5;
                photo_spread[c] += spread[k][c] / 5;
            }
        }
        for (int c = 0; c < 3; ++c) {  // 177.0 165.0 143.7 and 22.7 22.4 24.0
            QVERIFY(std::abs(all_mean[c] / photo_mean[c] - 1.0) < 0.05);
            QVERIFY(std::abs(all_spread[c] / photo_spread[c] - 1.0) < 0.05);
        }
        // Blue above red, as in the photographs (ice tinted blue-white).
        QVERIFY(all_mean[0] > all_mean[1] && all_mean[1] > all_mean[2]);
        // The published code draws its photograph with np.random.randint(5): every profile is used.
        std::set<int> seen;
        for (int i = 0; i < 60; ++i) {
            Rng rng(i);
            const cv::Scalar m = cv::mean(frost_texture({32, 32}, rng));
            seen.insert(m[2] < 120 ? 0 : m[2] > 185 ? 1 : m[2] > 135 ? 3 : 4);
        }
        QCOMPARE(int(seen.size()), 4);  // frost2 and frost3 share their statistics
    }

    void jpegMatchesImencode() {
        const int quality[5] = {25, 18, 15, 10, 7};
        for (int channels : {1, 3}) {
            const cv::Mat img = test_image({64, 64}, channels);
            for (int s = 1; s <= 5; ++s) {
                std::vector<uchar> buf;
                QVERIFY(cv::imencode(".jpg", img, buf, {cv::IMWRITE_JPEG_QUALITY, quality[s - 1]}));
                const cv::Mat expected = cv::imdecode(buf, cv::IMREAD_UNCHANGED);
                QVERIFY(identical(corrupt(img, Corruption::Jpeg, s, 0), expected));
            }
        }
    }

    void noiseStatistics() {
        // Gaussian noise on mid-grey: the residual's std is the published sigma * 255.
        const cv::Mat grey(256, 256, CV_8UC1, cv::Scalar(128));
        const double sigma[5] = {0.08, 0.12, 0.18, 0.26, 0.38};
        for (int s = 1; s <= 3; ++s) {  // higher severities clip noticeably
            cv::Mat out;
            corrupt(grey, Corruption::GaussianNoise, s, 3).convertTo(out, CV_64F);
            cv::Scalar mean, stddev;
            cv::meanStdDev(out, mean, stddev);
            QVERIFY(std::abs(mean[0] - 128) < 1.0);
            QVERIFY(std::abs(stddev[0] / (sigma[s - 1] * 255) - 1.0) < 0.03);
        }
        // Impulse noise: the fraction of changed values is the published amount.
        const double amount[5] = {0.03, 0.06, 0.09, 0.17, 0.27};
        for (int s = 1; s <= 5; ++s) {
            const cv::Mat out = corrupt(grey, Corruption::ImpulseNoise, s, 3);
            const double changed = cv::countNonZero(out != 128) / double(out.total());
            QVERIFY(std::abs(changed - amount[s - 1]) < 0.01);
        }
        // Shot noise keeps the mean (Poisson with rate x*c, divided by c).
        cv::Mat out;
        corrupt(grey, Corruption::ShotNoise, 3, 3).convertTo(out, CV_64F);
        QVERIFY(std::abs(cv::mean(out)[0] - 128) < 1.5);
    }

    void badInput() {
        const cv::Mat img = test_image({32, 32}, 3);
        QVERIFY(throws_invalid([&] { corrupt(img, Corruption::Fog, 0, 0); }, "severity"));
        QVERIFY(throws_invalid([&] { corrupt(img, Corruption::Fog, 6, 0); }, "severity"));
        QVERIFY(throws_invalid([&] { corrupt(img, Corruption::Contrast, -1, 0); }, "severity"));
        QVERIFY(throws_invalid([&] { corrupt(cv::Mat(), Corruption::Fog, 1, 0); }, "empty"));
        const cv::Mat f32(8, 8, CV_32FC3, cv::Scalar::all(0.5));
        QVERIFY(throws_invalid([&] { corrupt(f32, Corruption::Contrast, 1, 0); }, "type"));
        const cv::Mat bgra(8, 8, CV_8UC4, cv::Scalar::all(9));
        QVERIFY(throws_invalid([&] { corrupt(bgra, Corruption::Jpeg, 1, 0); }, "type"));
        const cv::Mat u16(8, 8, CV_16UC1, cv::Scalar::all(9));
        QVERIFY(throws_invalid([&] { corrupt(u16, Corruption::Snow, 1, 0); }, "type"));
        QVERIFY(
            throws_invalid([&] { corrupt(img, static_cast<Corruption>(99), 1, 0); }, "unknown"));
    }

    void nonContinuousInput() {
        // A ROI view (non-continuous rows) gives the same result as its compact copy.
        const cv::Mat big = test_image({80, 60}, 3);
        const cv::Mat roi = big(cv::Rect(5, 7, 48, 40));
        for (Corruption c : all_corruptions()) {
            QVERIFY2(identical(corrupt(roi, c, 3, 11), corrupt(roi.clone(), c, 3, 11)),
                     std::string(corruption_name(c)).c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestCorruptions)
#include "test_corruptions.moc"
