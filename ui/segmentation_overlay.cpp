// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/segmentation_overlay.h"

#include "data/voc_palette.h"

#include <QPainter>

#include <algorithm>

namespace tpgm::ui {

constexpr int kIgnoreLabel = 255;  // PASCAL VOC's "ignore" (object borders, unlabelled)

QVector<QColor> voc_palette(int classes) {
    QVector<QColor> out;
    const auto& rgb = tpgm::voc_palette();
    for (int k = 0; k < std::min<int>(classes, static_cast<int>(rgb.size())); ++k)
        out.push_back(QColor(rgb[k][0], rgb[k][1], rgb[k][2]));
    return out;
}

QImage compose_overlay(const QImage& image, const QImage& labels, const QVector<QColor>& palette,
                       double opacity, const QVector<bool>& visible) {
    QImage out = image.convertToFormat(QImage::Format_RGB32);
    if (labels.format() != QImage::Format_Grayscale8 || labels.size() != image.size()) return out;
    const double a = std::clamp(opacity, 0.0, 1.0);
    for (int y = 0; y < out.height(); ++y) {
        auto* row = reinterpret_cast<QRgb*>(out.scanLine(y));
        const uchar* label = labels.constScanLine(y);
        for (int x = 0; x < out.width(); ++x) {
            const int k = label[x];
            if (k == kIgnoreLabel || k >= palette.size() || (k < visible.size() && !visible[k]))
                continue;
            const QColor& c = palette[k];
            const auto blend = [a](int pixel, int colour) {
                return static_cast<int>(std::lround((1 - a) * pixel + a * colour));
            };
            row[x] = qRgb(blend(qRed(row[x]), c.red()), blend(qGreen(row[x]), c.green()),
                          blend(qBlue(row[x]), c.blue()));
        }
    }
    return out;
}

SegmentationOverlay::SegmentationOverlay(QWidget* parent) : QWidget(parent) {
    setMinimumSize(64, 64);
}

void SegmentationOverlay::setImage(const QImage& image, const QImage& labels) {
    image_ = image;
    labels_ = labels;
    recompose();
}

void SegmentationOverlay::setPalette(const QVector<QColor>& palette) {
    palette_ = palette;
    recompose();
}

void SegmentationOverlay::setOpacity(double opacity) {
    opacity_ = std::clamp(opacity, 0.0, 1.0);
    recompose();
}

void SegmentationOverlay::setClassVisible(int label, bool visible) {
    if (label < 0) return;
    if (label >= visible_.size()) visible_.resize(label + 1, true);
    visible_[label] = visible;
    recompose();
}

QSize SegmentationOverlay::sizeHint() const {
    return composed_.isNull() ? QSize(256, 256) : composed_.size().expandedTo(QSize(256, 256));
}

void SegmentationOverlay::recompose() {
    composed_ =
        image_.isNull() ? QImage() : compose_overlay(image_, labels_, palette_, opacity_, visible_);
    update();
}

void SegmentationOverlay::paintEvent(QPaintEvent*) {
    if (composed_.isNull()) return;
    QPainter p(this);
    const QSize fitted = composed_.size().scaled(size(), Qt::KeepAspectRatio);
    const QRect target(QPoint((width() - fitted.width()) / 2, (height() - fitted.height()) / 2),
                       fitted);
    p.drawImage(target, composed_);  // default: no smoothing, label edges stay crisp
}

}  // namespace tpgm::ui
