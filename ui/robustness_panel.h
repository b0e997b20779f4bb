// SPDX-License-Identifier: GPL-3.0-or-later
// The robustness demo: a sample image (or one dropped on the panel), an ImageNet-C corruption
// and its severity, and the top-5 predictions of the linear-probe (pre-trained backbone), the
// vanilla fine-tuned and the TPGM model side by side; below them, the disagreement gallery.
#pragma once

#include "config/run_config.h"
#include "facade/demo_samples.h"

#include <QWidget>

#include <array>
#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QSlider;
class QSpinBox;
class QTableWidget;

namespace tpgm::facade {
class RunPredictor;
}

namespace tpgm::ui {

class BackgroundJob;
class DisagreementGallery;
struct ScanRequest;

// The Robustness demo tab: one image under a corruption, three runs' top-5, the gallery below.
class RobustnessPanel : public QWidget {
    Q_OBJECT
  public:
    explicit RobustnessPanel(QWidget* parent = nullptr);
    ~RobustnessPanel() override;
    // The benchmark whose test images are the samples; reloaded when it changes.
    void setDemoConfig(const DemoConfig& demo);
    // Where to look for the latest run of each method.
    void setRunsRoot(const QString& root);
    // Fills each column with the newest run of its method under the runs root (lp, ft, tpgm).
    void chooseLatestRuns();
    void setRunFolder(int column, const QString& dir);
    QString runFolder(int column) const;
    // Loads the samples now (as a BackgroundJob) instead of on first show.
    void loadSamples();
    // Ends a sample load at its next progress report (a first demo build takes about 30 s).
    void cancelLoading();
    bool samplesLoaded() const { return !samples_.images.empty(); }
    bool loadingSamples() const;
    // The job the samples load in (tests).
    BackgroundJob* sampleJob() const { return samplesJob_; }
    // Uses an image file instead of a demo sample.
    bool openImage(const QString& path);
    void setCorruption(const QString& name, int severity);
    // Rows of predictions currently shown in a column (tests).
    int predictionCount(int column) const;
    QString topPrediction(int column) const;
    // The test image shown (-1 for an opened image) and the gallery below the columns.
    int currentSample() const;
    DisagreementGallery* gallery() const { return gallery_; }
    // Shows test image `index` under the corruption of the gallery's scan (a clicked thumbnail).
    void showSample(int index);

  signals:
    void samplesReady();

  protected:
    void showEvent(QShowEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

  private:
    void refresh();
    void predict(int column, const cv::Mat& image);
    // What "Find disagreements" scans now: the corruption and each column's checkpoint.
    ScanRequest scanRequest() const;

    static constexpr int kColumns = 3;
    DemoConfig demo_;
    QString demoKey_;
    QString runsRoot_ = "runs";
    facade::DemoSamples samples_;
    cv::Mat custom_;  // a dropped or opened image, replacing the sample
    BackgroundJob* samplesJob_;
    QSpinBox* sample_;
    QComboBox* corruption_;
    QSlider* severity_;
    QLabel* severityLabel_;
    QLabel* clean_;
    QLabel* corrupted_;
    QLabel* status_;
    std::array<QLineEdit*, kColumns> folders_{};
    std::array<QTableWidget*, kColumns> tables_{};
    std::array<QLabel*, kColumns> notes_{};
    std::array<std::shared_ptr<facade::RunPredictor>, kColumns> models_{};
    std::array<QString, kColumns> loaded_{};
    DisagreementGallery* gallery_;
};

}  // namespace tpgm::ui
