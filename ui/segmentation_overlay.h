// SPDX-License-Identifier: GPL-3.0-or-later
// An image with a label map drawn over it in class colours: an opacity, classes shown or hidden,
// 255 (PASCAL's "ignore") never drawn. The Segmentation tab puts one beside another (prediction
// and ground truth) under one legend.
#pragma once

#include <QColor>
#include <QImage>
#include <QVector>
#include <QWidget>

namespace tpgm::ui {

// PASCAL VOC's palette: label k's colour from k's bits, as VOC's palette PNGs store it.
QVector<QColor> voc_palette(int classes);

// Blends `labels` (Format_Grayscale8, the image's size) over `image`: a visible label k becomes
// (1 - opacity) * pixel + opacity * palette[k]; hidden labels, labels without a colour and 255
// leave the pixel as it is.
QImage compose_overlay(const QImage& image, const QImage& labels, const QVector<QColor>& palette,
                       double opacity, const QVector<bool>& visible);

// One overlaid image, scaled to fit (nearest neighbour: label edges stay crisp).
class SegmentationOverlay : public QWidget {
    Q_OBJECT
  public:
    explicit SegmentationOverlay(QWidget* parent = nullptr);
    // `labels` must be Format_Grayscale8 and the image's size; otherwise only the image shows.
    void setImage(const QImage& image, const QImage& labels);
    void setPalette(const QVector<QColor>& palette);
    void setOpacity(double opacity);  // clamped to [0, 1]
    void setClassVisible(int label, bool visible);
    // What the widget paints, at the image's own size.
    const QImage& composed() const { return composed_; }
    const QImage& labels() const { return labels_; }
    QSize sizeHint() const override;

  protected:
    void paintEvent(QPaintEvent* event) override;

  private:
    void recompose();
    QImage image_, labels_, composed_;
    QVector<QColor> palette_;
    QVector<bool> visible_;
    double opacity_ = 0.5;
};

}  // namespace tpgm::ui
