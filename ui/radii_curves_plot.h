// SPDX-License-Identifier: GPL-3.0-or-later
// Radii over time as curves, for the layers whose names match a regular expression.
#pragma once

#include "runs/events.h"

#include <QWidget>

#include <vector>

class QCheckBox;
class QCustomPlot;
class QLabel;
class QLineEdit;

namespace tpgm::ui {

class RadiiCurvesPlot : public QWidget {
    Q_OBJECT
  public:
    explicit RadiiCurvesPlot(QWidget* parent = nullptr);
    void setSnapshots(const std::vector<RadiiSnapshot>* snapshots, const QString& runName);
    QCustomPlot* plot() const { return plot_; }
    QString pattern() const;
    void setPattern(const QString& pattern);
    // Layers currently drawn (tests).
    int curveCount() const { return curves_; }

  protected:
    void changeEvent(QEvent* event) override;

  private:
    void rebuild();

    QCustomPlot* plot_;
    QLineEdit* regex_;
    QCheckBox* distance_;
    QLabel* status_;
    const std::vector<RadiiSnapshot>* snapshots_ = nullptr;
    QString run_;
    int columns_ = 0;
    int curves_ = 0;
};

}  // namespace tpgm::ui
