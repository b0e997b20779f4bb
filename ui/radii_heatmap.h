// SPDX-License-Identifier: GPL-3.0-or-later
// Radii over time as a heatmap: one row per constrained tensor, one column per radius update.
#pragma once

#include "runs/events.h"

#include <QWidget>

#include <vector>

class QComboBox;
class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPItemText;

namespace tpgm::ui {

class RadiiHeatmap : public QWidget {
    Q_OBJECT
  public:
    explicit RadiiHeatmap(QWidget* parent = nullptr);
    // Shows the snapshots of one run; cheap when nothing changed since the last call.
    void setSnapshots(const std::vector<RadiiSnapshot>* snapshots, const QString& runName);
    QCustomPlot* plot() const { return plot_; }
    int columns() const { return columns_; }
    int valueMode() const;
    void setValueMode(int mode);

  protected:
    void changeEvent(QEvent* event) override;

  private:
    void rebuild();
    void styleScale();
    void showTooltip(QMouseEvent* event);

    QCustomPlot* plot_;
    QCPColorMap* map_;
    QCPColorScale* scale_;
    QCPItemText* empty_;  // says why there is nothing to show, instead of a block of colour
    QComboBox* mode_;
    const std::vector<RadiiSnapshot>* snapshots_ = nullptr;
    QString run_;
    int columns_ = 0;
    int rows_ = 0;
};

}  // namespace tpgm::ui
