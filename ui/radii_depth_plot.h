// SPDX-License-Identifier: GPL-3.0-or-later
// TPGM's signature plot: per constrained tensor, in model order, the learned radius beside the
// actual distance from the pre-trained weights at the current step. Hover shows the layer.
#pragma once

#include "runs/events.h"

#include <QWidget>

class QCustomPlot;
class QCPBars;
class QCheckBox;
class QLabel;

namespace tpgm::ui {

class RadiiDepthPlot : public QWidget {
    Q_OBJECT
  public:
    explicit RadiiDepthPlot(QWidget* parent = nullptr);
    // Shows `snapshot` (nullptr clears) of run `runName`.
    void setSnapshot(const RadiiSnapshot* snapshot, const QString& runName,
                     const QString& method = {});
    QCustomPlot* plot() const { return plot_; }
    // Number of layers currently shown (tests).
    int layerCount() const { return static_cast<int>(snapshot_.names.size()); }
    bool logScale() const;
    void setLogScale(bool on);

  protected:
    void changeEvent(QEvent* event) override;

  private:
    void rebuild(bool rescale);
    void showTooltip(QMouseEvent* event);
    // " · the rule acted in 12 % of steps (mean over tensors)" for SPD's snapshots, else "".
    QString activityText() const;

    QCustomPlot* plot_;
    QCPBars* radius_;
    QCPBars* distance_;
    QCheckBox* log_;
    QLabel* caption_;
    RadiiSnapshot snapshot_;
    size_t shown_layers_ = 0;
};

}  // namespace tpgm::ui
