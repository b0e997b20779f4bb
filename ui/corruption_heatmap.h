// SPDX-License-Identifier: GPL-3.0-or-later
// Accuracy per corruption x severity of one run, or the difference between two runs (e.g. TPGM
// minus vanilla FT), read from each run folder's eval.json (`tpgm-cli eval --corruptions ...`).
#pragma once

#include "ui/run_series.h"

#include <QWidget>

class QComboBox;
class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QLabel;

namespace tpgm::ui {

class CorruptionHeatmap : public QWidget {
    Q_OBJECT
  public:
    explicit CorruptionHeatmap(QWidget* parent = nullptr);
    // Offers the runs whose folders hold a corruption matrix; keeps the current choice.
    void setRuns(const RunList& runs);
    // Selects run A and the run subtracted from it (empty: none), by folder.
    void select(const QString& dirA, const QString& dirB = {});
    // Value shown in a cell (top-1 in percent, or A - B in points); NaN when empty.
    double cell(int corruption, int severity) const;
    int rows() const { return static_cast<int>(labels_.size()); }
    int columns() const { return static_cast<int>(severities_.size()); }

  private:
    void rebuild();

    QCustomPlot* plot_ = nullptr;
    QCPColorMap* map_ = nullptr;
    QCPColorScale* scale_ = nullptr;
    QComboBox* runA_ = nullptr;
    QComboBox* runB_ = nullptr;
    QLabel* hint_ = nullptr;
    QStringList labels_;
    QList<int> severities_;
    std::vector<std::vector<double>> values_;
};

}  // namespace tpgm::ui
