// SPDX-License-Identifier: GPL-3.0-or-later
// Top-1 accuracy (mean IoU for segmentation runs) over training of the ID test set and every OOD
// set, for every shown run.
#pragma once

#include "ui/run_series.h"

#include <QWidget>

class QComboBox;
class QCustomPlot;

namespace tpgm::ui {

class AccuracyPlot : public QWidget {
    Q_OBJECT
  public:
    explicit AccuracyPlot(QWidget* parent = nullptr);
    void setRuns(const RunList& runs);
    QCustomPlot* plot() const { return plot_; }
    int setsMode() const;
    void setSetsMode(int mode);
    // Evaluation points of the first shown run's ID curve (tests).
    int pointCount() const;

  protected:
    void changeEvent(QEvent* event) override;

  private:
    void rebuild();

    QCustomPlot* plot_;
    QComboBox* sets_;
    RunList runs_;
    QString signature_;
    bool follow_ = true;
};

}  // namespace tpgm::ui
