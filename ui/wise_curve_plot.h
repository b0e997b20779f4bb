// SPDX-License-Identifier: GPL-3.0-or-later
// WiSE-FT's interpolation curve from wise.json: ID and OOD mean top-1 along
// theta(a) = (1 - a) theta_pre + a theta_ft, per seed and their mean, with the final model
// marked and other methods (FT, post-hoc TPGM) as reference points, as the WiSE-FT paper shows.
#pragma once

#include "runs/run_files.h"

#include <QString>
#include <QWidget>

#include <vector>

class QComboBox;
class QCustomPlot;
class QLabel;
class QStackedWidget;

namespace tpgm::ui {

// The curve of one compared entry's runs, or a sentence saying why there is none.
class WiseCurvePlot : public QWidget {
    Q_OBJECT
  public:
    // Another method's mean ID and OOD top-1 (in [0, 1]) to compare the curve with.
    struct Reference {
        QString name;
        double id = 0, ood = 0;
    };
    enum Mode { kVersusA = 0, kOodVersusId = 1 };

    explicit WiseCurvePlot(QWidget* parent = nullptr);
    // Plots the sweeps of one entry's seeds (`title` names it); none: the empty state.
    void setSweeps(const QString& title, const std::vector<PathSweep>& sweeps,
                   const std::vector<Reference>& references);
    // Shows `text` instead of a plot.
    void showEmpty(const QString& text);
    void setMode(Mode mode);
    Mode mode() const;

    bool isEmpty() const;
    QString emptyText() const;
    // Points of the mean curve (the sweep's values of a); 0 when empty.
    int pointCount() const { return isEmpty() ? 0 : static_cast<int>(mean_.points.size()); }
    // Seeds whose sweep the curve averages.
    int seedCount() const { return isEmpty() ? 0 : static_cast<int>(sweeps_.size()); }
    // The mean sweep (top-1 in [0, 1] per set and point).
    const PathSweep& meanSweep() const { return mean_; }
    QCustomPlot* plot() const { return plot_; }

  protected:
    void changeEvent(QEvent* event) override;

  private:
    void rebuild();

    QCustomPlot* plot_ = nullptr;
    QComboBox* mode_ = nullptr;
    QLabel* title_ = nullptr;
    QLabel* empty_ = nullptr;
    QStackedWidget* stack_ = nullptr;
    std::vector<PathSweep> sweeps_;
    std::vector<Reference> references_;
    PathSweep mean_;
};

}  // namespace tpgm::ui
