// SPDX-License-Identifier: GPL-3.0-or-later
// The Segmentation tab: a test scene with its ground truth, the same scene clean or under a
// corruption, and the masks predicted by up to three segmentation runs (e.g. linear probe,
// vanilla FT, TPGM) side by side under one opacity slider and one legend whose check boxes show
// or hide each class. Without runs it shows the segmentation demo's scenes; a dropped or opened
// image replaces the scene. Predictions refresh when a shown run is evaluated again; they run
// off the UI thread.
#pragma once

#include "config/run_config.h"
#include "ui/run_series.h"

#include <QWidget>

#include <array>
#include <memory>

namespace cv {
class Mat;
}

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QSlider;
class QSpinBox;

namespace tpgm::ui {

class BackgroundSegmenter;
class SegmentationOverlay;

class SegmentationPanel : public QWidget {
    Q_OBJECT
  public:
    static constexpr int kColumns = 3;  // runs shown side by side

    explicit SegmentationPanel(QWidget* parent = nullptr);
    ~SegmentationPanel() override;
    // Where the demo scenes' Fashion-MNIST items come from; reloads them when it changes.
    void setDemoConfig(const DemoConfig& demo);
    // Folder "Latest runs" searches (newest finished segmentation run per method).
    void setRunsRoot(const QString& root);
    // The session's runs: a shown run whose evaluations grew gets its predictions redone.
    void setRuns(const RunList& runs);
    // Shows the predictions of the run in `dir` in `column` (empty: none); false with the reason
    // in the status line when it cannot (not a segmentation run, no checkpoint yet).
    bool setRunFolder(int column, const QString& dir);
    void chooseLatestRuns();
    // Composes the scenes now (the first shown run's test scenes, else the demo's); false with
    // the reason shown instead.
    bool loadScenes();
    bool scenesLoaded() const;
    // Semantic labels (item class) or parts (upper / middle / lower third); demo scenes only.
    void setParts(bool parts);
    void showScene(int index);
    // A corruption of the shown scene (empty name: clean) at severity 1..5.
    void setCorruption(const QString& name, int severity);
    // Replaces the scene by an image file (no ground truth); false when it cannot be read.
    bool openImage(const QString& path);
    void setOpacityPercent(int percent);
    // The legend's check box of label `label` (tests click it).
    QCheckBox* legendBox(int label) const;
    int legendSize() const;
    SegmentationOverlay* truth() const { return truth_; }
    SegmentationOverlay* input() const { return input_; }
    SegmentationOverlay* prediction(int column) const { return predictions_.at(column); }
    QString status() const;
    // A prediction is running or waiting (they run off the UI thread; tests wait for this).
    bool predicting() const;

  protected:
    void showEvent(QShowEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

  private:
    void rebuildLegend();
    void refresh();
    void predict(int column);
    void showPrediction(int column, const cv::Mat& image, const cv::Mat& labels,
                        const QString& error);
    struct State;
    std::unique_ptr<State> state_;
    std::string fashionMnistDir_;
    QString runsRoot_ = "runs";
    bool shownOnce_ = false;
    QComboBox* labels_ = nullptr;
    QSpinBox* scene_ = nullptr;
    QSlider* opacity_ = nullptr;
    QComboBox* corruption_ = nullptr;
    QSpinBox* severity_ = nullptr;
    QGridLayout* legend_ = nullptr;
    QLabel* status_ = nullptr;
    QLabel* inputCaption_ = nullptr;
    SegmentationOverlay* truth_ = nullptr;
    SegmentationOverlay* input_ = nullptr;
    std::array<QLineEdit*, kColumns> folders_{};
    std::array<QLabel*, kColumns> notes_{};
    std::array<SegmentationOverlay*, kColumns> predictions_{};
    std::array<BackgroundSegmenter*, kColumns> background_{};
};

}  // namespace tpgm::ui
