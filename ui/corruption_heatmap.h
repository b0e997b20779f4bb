// SPDX-License-Identifier: GPL-3.0-or-later
// Accuracy (mean IoU for segmentation runs) per corruption x severity of one run, or the difference
// between two runs (e.g. TPGM minus vanilla FT), read from each run folder's eval.json (`tpgm-cli
// eval --corruptions ...`); a button computes that matrix for the selected run in the background.
#pragma once

#include "engine/run_eval.h"
#include "ui/run_series.h"

#include <QWidget>

class QComboBox;
class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QLabel;
class QProgressBar;
class QPushButton;

namespace tpgm::ui {

class BackgroundJob;

class CorruptionHeatmap : public QWidget {
    Q_OBJECT
  public:
    explicit CorruptionHeatmap(QWidget* parent = nullptr);
    // Offers the runs whose folders hold a corruption matrix; keeps the current choice.
    void setRuns(const RunList& runs);
    // Selects run A and the run subtracted from it (empty: none), by folder.
    void select(const QString& dirA, const QString& dirB = {});
    // The run the Compute button evaluates (nullptr: none); `training` while it still trains.
    void setSelectedRun(const RunPtr& run, bool training);
    // The Compute button's request: the benchmark corruptions at severities 1-5 on 1000 ID
    // images, as `tpgm-cli eval --run DIR --corruptions benchmark` computes by default.
    static CorruptionRequest defaultRequest();
    // Starts evaluating the selected run in the background; false when it cannot.
    bool computeSelected(const CorruptionRequest& request = defaultRequest());
    // The background evaluation (tests wait on it).
    BackgroundJob* job() const { return job_; }
    // Value shown in a cell (top-1 in percent, or A - B in points); NaN when empty.
    double cell(int corruption, int severity) const;
    int rows() const { return static_cast<int>(labels_.size()); }
    int columns() const { return static_cast<int>(severities_.size()); }

  signals:
    // A run folder's eval.json was rewritten (or not: `error` is BackgroundJob::kCancelled or
    // why the evaluation failed).
    void evaluated(const QString& dir, const QString& error);

  private:
    void rebuild();
    void updateCompute();
    void onEvaluated(const QString& dir, const QString& error);

    QCustomPlot* plot_ = nullptr;
    QCPColorMap* map_ = nullptr;
    QCPColorScale* scale_ = nullptr;
    QComboBox* runA_ = nullptr;
    QComboBox* runB_ = nullptr;
    QLabel* hint_ = nullptr;
    QPushButton* compute_ = nullptr;
    QPushButton* cancel_ = nullptr;
    QProgressBar* progress_ = nullptr;
    BackgroundJob* job_ = nullptr;
    RunList runs_;     // the open runs, to offer a newly evaluated one
    RunPtr selected_;  // what Compute evaluates
    bool training_ = false;
    QStringList labels_;
    QList<int> severities_;
    std::vector<std::vector<double>> values_;
};

}  // namespace tpgm::ui
