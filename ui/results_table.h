// SPDX-License-Identifier: GPL-3.0-or-later
// The runs of the session: one row each with its colour, a "shown" check box and its final
// ID/OOD top-1 accuracy; the selected row is the run the radii plots show. Exports CSV.
#pragma once

#include "ui/run_series.h"

#include <QWidget>

class QTableWidget;

namespace tpgm::ui {

class ResultsTable : public QWidget {
    Q_OBJECT
  public:
    explicit ResultsTable(QWidget* parent = nullptr);
    // Refills the table when the runs' results changed since the last call.
    void setRuns(const RunList& runs);
    // The run whose row is selected (radii plots), or null.
    RunPtr currentRun() const;
    void selectRun(const RunPtr& run);
    QTableWidget* table() const { return table_; }
    // The table as CSV text (header row, one row per run, accuracy in percent).
    QString toCsv() const;
    bool exportCsv(const QString& path) const;

  signals:
    void visibilityChanged();
    void currentRunChanged();
    void removeRequested(const RunPtr& run);
    void forkRequested(const RunPtr& run);  // "Fork from here..." on a run with a checkpoint

  private:
    void fill();
    QString signature() const;

    QTableWidget* table_;
    RunList runs_;
    QString signature_;
    std::vector<std::string> sets_;
    bool filling_ = false;
};

}  // namespace tpgm::ui
