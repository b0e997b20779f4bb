// SPDX-License-Identifier: GPL-3.0-or-later
// The Segmentation tab: the segmentation demo's scenes with their label maps overlaid, an
// opacity slider and a legend whose check boxes show or hide each class. Predicted masks of
// segmentation runs will sit beside the ground truth once such runs exist (issue 10).
#pragma once

#include "config/run_config.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QSlider;
class QSpinBox;

namespace tpgm::ui {

class SegmentationOverlay;

class SegmentationPanel : public QWidget {
    Q_OBJECT
  public:
    explicit SegmentationPanel(QWidget* parent = nullptr);
    ~SegmentationPanel() override;
    // Where the scenes' Fashion-MNIST items come from; reloads the scenes when it changes.
    void setDemoConfig(const DemoConfig& demo);
    // Composes the scenes now (otherwise on first show); false with the reason shown instead.
    bool loadScenes();
    bool scenesLoaded() const;
    // Semantic labels (item class) or parts (upper / middle / lower third).
    void setParts(bool parts);
    void showScene(int index);
    void setOpacityPercent(int percent);
    // The legend's check box of label `label` (tests click it).
    QCheckBox* legendBox(int label) const;
    int legendSize() const;
    SegmentationOverlay* truth() const { return truth_; }

  protected:
    void showEvent(QShowEvent* event) override;

  private:
    void rebuildLegend();
    struct Scenes;
    std::unique_ptr<Scenes> scenes_;
    std::string fashionMnistDir_;
    QComboBox* labels_ = nullptr;
    QSpinBox* scene_ = nullptr;
    QSlider* opacity_ = nullptr;
    QGridLayout* legend_ = nullptr;
    QLabel* status_ = nullptr;
    SegmentationOverlay* truth_ = nullptr;
};

}  // namespace tpgm::ui
