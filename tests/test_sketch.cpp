// SPDX-License-Identifier: GPL-3.0-or-later
// Qt Test suite for sketch rendering (backend/robustness/sketch.h).
#include <QtTest/QtTest>

#include <opencv2/imgproc.hpp>

#include <stdexcept>
#include <string>

#include "robustness/sketch.h"

using tpgm::robustness::render_sketch;
using tpgm::robustness::sketch_style_from_name;
using tpgm::robustness::sketch_style_name;
using tpgm::robustness::SketchStyle;

Q_DECLARE_METATYPE(SketchStyle)

namespace {

// White square on black.
cv::Mat square_image(int side, int channels) {
    cv::Mat img(side, side, CV_8UC(channels), cv::Scalar::all(0));
    cv::rectangle(img, cv::Rect(side / 4, side / 4, side / 2, side / 2), cv::Scalar::all(255),
                  cv::FILLED);
    return img;
}

}  // namespace

class TestSketch : public QObject {
    Q_OBJECT

  private Q_SLOTS:
    void names() {
        for (SketchStyle s : {SketchStyle::Pencil, SketchStyle::Edges}) {
            QVERIFY(sketch_style_from_name(sketch_style_name(s)) == s);
        }
        QCOMPARE(std::string(sketch_style_name(SketchStyle::Pencil)), std::string("pencil"));
        QCOMPARE(std::string(sketch_style_name(SketchStyle::Edges)), std::string("edges"));
        QVERIFY(!sketch_style_from_name("crayon").has_value());
    }

    void shapeAndType_data() {
        QTest::addColumn<SketchStyle>("style");
        QTest::newRow("pencil") << SketchStyle::Pencil;
        QTest::newRow("edges") << SketchStyle::Edges;
    }
    void shapeAndType() {
        QFETCH(SketchStyle, style);
        for (const cv::Size size :
             {cv::Size(1, 1), cv::Size(32, 32), cv::Size(224, 224), cv::Size(300, 170)}) {
            for (int channels : {1, 3}) {
                cv::Mat img(size, CV_8UC(channels));
                cv::randu(img, 0, 256);
                const cv::Mat out = render_sketch(img, style);
                QCOMPARE(out.size(), img.size());
                QCOMPARE(out.type(), img.type());
            }
        }
    }

    void edgesOfSquare() {
        for (int side : {32, 224}) {
            for (int channels : {1, 3}) {
                const cv::Mat out = render_sketch(square_image(side, channels), SketchStyle::Edges);
                cv::Mat gray;
                if (channels == 3) {
                    cv::cvtColor(out, gray, cv::COLOR_BGR2GRAY);
                    // Grey strokes: all channels equal.
                    std::vector<cv::Mat> planes;
                    cv::split(out, planes);
                    QCOMPARE(cv::norm(planes[0], planes[2], cv::NORM_INF), 0.0);
                } else {
                    gray = out;
                }
                const int a = side / 4, b = side / 4 + side / 2;  // square spans [a, b)
                const int mid = side / 2;
                // Dark strokes on each side of the boundary.
                QVERIFY(gray.at<uchar>(mid, a) < 64);
                QVERIFY(gray.at<uchar>(mid, b - 1) < 64);
                QVERIFY(gray.at<uchar>(a, mid) < 64);
                QVERIFY(gray.at<uchar>(b - 1, mid) < 64);
                // White inside flat areas: the square's centre and the far background.
                QCOMPARE(int(gray.at<uchar>(mid, mid)), 255);
                QCOMPARE(int(gray.at<uchar>(1, 1)), 255);
                QCOMPARE(int(gray.at<uchar>(side - 2, side - 2)), 255);
                // Mostly white overall.
                QVERIFY(cv::mean(gray)[0] > 200);
            }
        }
    }

    void pencilOfSquare() {
        const int side = 128;
        for (int channels : {1, 3}) {
            const cv::Mat out = render_sketch(square_image(side, channels), SketchStyle::Pencil);
            cv::Mat gray;
            if (channels == 3) {
                cv::cvtColor(out, gray, cv::COLOR_BGR2GRAY);
            } else {
                gray = out;
            }
            // Flat interior of the white square is white; the outline is darker than it.
            QCOMPARE(int(gray.at<uchar>(side / 2, side / 2)), 255);
            const int a = side / 4;
            QVERIFY(gray.at<uchar>(side / 2, a - 1) < 200);
            // A uniform image renders as blank paper.
            const cv::Mat flat(40, 40, CV_8UC(channels), cv::Scalar::all(120));
            const cv::Mat blank = render_sketch(flat, SketchStyle::Pencil);
            double lo = 0, hi = 0;
            cv::minMaxLoc(blank.reshape(1), &lo, &hi);
            QVERIFY(lo >= 250);
        }
    }

    void badInput() {
        auto throws = [](const cv::Mat& m) {
            try {
                render_sketch(m, SketchStyle::Edges);
            } catch (const std::invalid_argument&) {
                return true;
            }
            return false;
        };
        QVERIFY(throws(cv::Mat()));
        QVERIFY(throws(cv::Mat(8, 8, CV_32FC1, cv::Scalar(0.5))));
        QVERIFY(throws(cv::Mat(8, 8, CV_8UC4, cv::Scalar::all(1))));
        QVERIFY(throws(cv::Mat(8, 8, CV_16UC3, cv::Scalar::all(1))));
    }
};

QTEST_APPLESS_MAIN(TestSketch)
#include "test_sketch.moc"
