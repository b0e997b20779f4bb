// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/segmentation_panel.h"

#include "facade/demo_scenes.h"
#include "ui/form_widgets.h"
#include "ui/segmentation_overlay.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QLabel>
#include <QPixmap>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

namespace tpgm::ui {

namespace {
constexpr int kScenes = 32;        // scenes offered
constexpr int kLegendColumns = 4;  // legend entries per row
constexpr int kSwatch = 12;        // legend colour square, pixels

QImage toImage(const cv::Mat& m) {
    return QImage(m.data, m.cols, m.rows, static_cast<int>(m.step), QImage::Format_Grayscale8)
        .copy();
}
}  // namespace

struct SegmentationPanel::Scenes {
    facade::DemoScenes data;
    bool parts = false;
};

SegmentationPanel::SegmentationPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* controls = new QHBoxLayout;
    labels_ = new WheelSafeComboBox;
    labels_->addItems({tr("Semantic (item class)"), tr("Parts (upper / middle / lower)")});
    scene_ = new WheelSafeSpinBox;
    scene_->setRange(1, kScenes);
    opacity_ = new FocusWheel<QSlider>;
    opacity_->setOrientation(Qt::Horizontal);
    opacity_->setRange(0, 100);
    opacity_->setValue(60);
    opacity_->setObjectName("segmentationOpacity");
    controls->addWidget(new QLabel(tr("Labels")));
    controls->addWidget(labels_);
    controls->addWidget(new QLabel(tr("Scene")));
    controls->addWidget(scene_);
    controls->addWidget(new QLabel(tr("Opacity")));
    controls->addWidget(opacity_, 1);
    layout->addLayout(controls);

    auto* caption =
        new QLabel(tr("<b>Ground truth</b> of the segmentation demo: Fashion-MNIST "
                      "items on textured backgrounds, a label per pixel"));
    caption->setWordWrap(true);
    layout->addWidget(caption);
    truth_ = new SegmentationOverlay;
    truth_->setMinimumSize(256, 256);
    layout->addWidget(truth_, 1);
    legend_ = new QGridLayout;
    layout->addLayout(legend_);
    status_ =
        new QLabel(tr("Predicted masks of segmentation runs will appear beside the ground "
                      "truth once the segmentation models land (issue 10)."));
    status_->setWordWrap(true);
    layout->addWidget(status_);

    connect(labels_, &QComboBox::currentIndexChanged, this, [this](int i) { setParts(i == 1); });
    connect(scene_, &QSpinBox::valueChanged, this, [this](int v) { showScene(v - 1); });
    connect(opacity_, &QSlider::valueChanged, this,
            [this](int v) { truth_->setOpacity(v / 100.0); });
    truth_->setOpacity(opacity_->value() / 100.0);
}

SegmentationPanel::~SegmentationPanel() = default;

void SegmentationPanel::setDemoConfig(const DemoConfig& demo) {
    if (demo.fashion_mnist_dir == fashionMnistDir_) return;
    fashionMnistDir_ = demo.fashion_mnist_dir;
    scenes_.reset();
    if (isVisible()) loadScenes();
}

bool SegmentationPanel::scenesLoaded() const {
    return scenes_ && !scenes_->data.images.empty();
}

bool SegmentationPanel::loadScenes() {
    const bool parts = labels_->currentIndex() == 1;
    try {
        auto s = std::make_unique<Scenes>();
        s->data = facade::load_demo_scenes(fashionMnistDir_, kScenes, parts);
        s->parts = parts;
        scenes_ = std::move(s);
    } catch (const std::exception& e) {
        scenes_.reset();
        truth_->setImage({}, {});
        status_->setText(tr("The demo scenes could not be made: %1").arg(e.what()));
        return false;
    }
    truth_->setPalette(voc_palette(static_cast<int>(scenes_->data.class_names.size())));
    rebuildLegend();
    showScene(scene_->value() - 1);
    return true;
}

void SegmentationPanel::setParts(bool parts) {
    if (labels_->currentIndex() != (parts ? 1 : 0)) {
        labels_->setCurrentIndex(parts ? 1 : 0);  // comes back here through the signal
        return;
    }
    if (scenes_ && scenes_->parts != parts) loadScenes();
}

void SegmentationPanel::showScene(int index) {
    if (!scenesLoaded() || index < 0 || index >= static_cast<int>(scenes_->data.images.size()))
        return;
    if (scene_->value() != index + 1) scene_->setValue(index + 1);
    truth_->setImage(toImage(scenes_->data.images[index]), toImage(scenes_->data.masks[index]));
}

void SegmentationPanel::setOpacityPercent(int percent) {
    opacity_->setValue(percent);
}

QCheckBox* SegmentationPanel::legendBox(int label) const {
    if (label < 0 || label >= legend_->count()) return nullptr;
    return qobject_cast<QCheckBox*>(legend_->itemAt(label)->widget());
}

int SegmentationPanel::legendSize() const {
    return legend_->count();
}

void SegmentationPanel::rebuildLegend() {
    while (QLayoutItem* item = legend_->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    const auto palette = voc_palette(static_cast<int>(scenes_->data.class_names.size()));
    for (int k = 0; k < palette.size(); ++k) {
        auto* box = new QCheckBox(QString::fromStdString(scenes_->data.class_names[k]));
        QPixmap swatch(kSwatch, kSwatch);
        swatch.fill(palette[k]);
        box->setIcon(swatch);
        // The background is left undrawn at first: its black would darken the whole scene.
        const bool shown = k != 0;
        box->setChecked(shown);
        truth_->setClassVisible(k, shown);
        connect(box, &QCheckBox::toggled, this,
                [this, k](bool on) { truth_->setClassVisible(k, on); });
        legend_->addWidget(box, k / kLegendColumns, k % kLegendColumns);
    }
}

void SegmentationPanel::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (!scenesLoaded() && !fashionMnistDir_.empty()) loadScenes();
}

}  // namespace tpgm::ui
