// SPDX-License-Identifier: GPL-3.0-or-later
// The comparison as a read-only, sortable table: one row per entry with its runs, top-1 per set
// as "mean ± std" (%), wall time, seconds per step and the extra cost per step against FT.
#pragma once

#include "runs/comparison_table.h"

#include <QString>
#include <QTableWidget>

namespace tpgm::ui {

// One row per compared entry; columns sort by their numbers, not their text.
class ComparisonTable : public QTableWidget {
    Q_OBJECT
  public:
    explicit ComparisonTable(QWidget* parent = nullptr);
    // Refills the table, keeping the user's sort column and order.
    void setComparison(const Comparison& comparison);
    // The entry of a table row as the engine spells it ("tpgm@tpgm.post_hoc=true").
    QString entryAt(int row) const;
    // The selected row's entry; empty when none.
    QString selectedEntry() const;
    // Selects the row of `entry`; false when there is none.
    bool selectEntry(const QString& entry);
    // The height that shows every row without scrolling.
    int fittedHeight() const;
    // fittedHeight() tall (at most a dozen rows), so that a splitter gives the rest to the plot.
    QSize sizeHint() const override;
    // How the window names an entry ("tpgm (post-hoc)").
    static QString label(const QString& entry);
};

}  // namespace tpgm::ui
