// SPDX-License-Identifier: GPL-3.0-or-later
// Training loss per step of every shown run: the raw values faint, an EMA-smoothed line on top
// (smoothing slider as in TensorBoard).
#pragma once

#include "ui/run_series.h"

#include <QWidget>

class QCustomPlot;
class QLabel;
class QSlider;

namespace tpgm::ui {

class LossPlot : public QWidget {
    Q_OBJECT
  public:
    explicit LossPlot(QWidget* parent = nullptr);
    void setRuns(const RunList& runs);
    QCustomPlot* plot() const { return plot_; }
    double smoothing() const;
    void setSmoothing(double weight);
    // Points of the raw loss of the first shown run (tests).
    int pointCount() const;

  protected:
    void changeEvent(QEvent* event) override;

  private:
    void rebuild();

    QCustomPlot* plot_;
    QSlider* slider_;
    QLabel* value_;
    RunList runs_;
    QString signature_;
    bool follow_ = true;  // rescale to the data until the user zooms or pans
};

// Exponential moving average with TensorBoard's debiasing.
QVector<double> emaSmooth(const QVector<double>& values, double weight);

}  // namespace tpgm::ui
