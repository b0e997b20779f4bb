// SPDX-License-Identifier: GPL-3.0-or-later
// ComparisonTable: a Comparison's rows in a QTableWidget with numeric sorting.
#include "ui/comparison_table.h"
#include "config/methods.h"
#include "runs/set_names.h"

#include <QHeaderView>
#include <QScrollBar>

#include <cmath>

namespace tpgm::ui {
namespace {

constexpr int kEntryRole = Qt::UserRole;     // column 0: the row's entry
constexpr int kSortRole = Qt::UserRole + 1;  // every column: the number it sorts by

// Sorts by kSortRole (mean accuracy, seconds) where set, else by text.
class SortItem : public QTableWidgetItem {
  public:
    SortItem(const QString& text, double key) : QTableWidgetItem(text) {
        if (std::isfinite(key)) setData(kSortRole, key);
        setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    bool operator<(const QTableWidgetItem& other) const override {
        const QVariant a = data(kSortRole), b = other.data(kSortRole);
        if (a.isValid() && b.isValid()) return a.toDouble() < b.toDouble();
        if (a.isValid() != b.isValid()) return a.isValid();  // "–" after numbers
        return text() < other.text();
    }
};

QString header(const std::string& set) {
    if (set == kIdSet) return QObject::tr("ID");
    if (set == kOodMean) return QObject::tr("OOD mean");
    if (set == kCorruptionMean) return QObject::tr("corr. mean");
    return QString::fromStdString(set);
}

// Known methods in the registry's (the README's) order; other entries after them.
int methodRank(const std::string& entry) {
    return static_cast<int>(method_rank(method_of_entry(entry)));
}

QString number(double x, int decimals) {
    return std::isfinite(x) ? QString::number(x, 'f', decimals) : QStringLiteral("–");
}

QString extraCost(const ComparisonRow& row, const std::string& baseline) {
    if (row.entry == baseline) return QObject::tr("baseline");
    if (!std::isfinite(row.extra_cost)) return QStringLiteral("–");
    return QStringLiteral("%1%2 %")
        .arg(row.extra_cost >= 0 ? "+" : "")
        .arg(100 * row.extra_cost, 0, 'f', 0);
}

}  // namespace

ComparisonTable::ComparisonTable(QWidget* parent) : QTableWidget(parent) {
    setObjectName("compareTable");
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    verticalHeader()->setVisible(false);
    setSortingEnabled(true);
    horizontalHeader()->setSortIndicator(0, Qt::AscendingOrder);  // ft, lp, ... as in the README
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
}

int ComparisonTable::fittedHeight() const {
    int h = horizontalHeader()->sizeHint().height() + 2 * frameWidth();
    for (int r = 0; r < rowCount(); ++r) h += rowHeight(r);
    if (horizontalScrollBar()->isVisible()) h += horizontalScrollBar()->sizeHint().height();
    return h;
}

QSize ComparisonTable::sizeHint() const {
    const int rows = std::min(rowCount(), 12);
    return {QTableWidget::sizeHint().width(),
            fittedHeight() - rowCount() * verticalHeader()->defaultSectionSize() +
                std::max(rows, 3) * verticalHeader()->defaultSectionSize()};
}

QString ComparisonTable::label(const QString& entry) {
    return QString::fromStdString(comparison_entry_label(entry.toStdString()));
}

void ComparisonTable::setComparison(const Comparison& comparison) {
    const int sortColumn = horizontalHeader()->sortIndicatorSection();
    const Qt::SortOrder order = horizontalHeader()->sortIndicatorOrder();
    setSortingEnabled(false);
    clear();
    QStringList headers{tr("method"), tr("runs")};
    for (const auto& c : comparison.columns) headers << header(c);
    headers << tr("wall time (s)") << tr("s/step") << tr("extra cost / step");
    setColumnCount(headers.size());
    setHorizontalHeaderLabels(headers);
    setRowCount(static_cast<int>(comparison.rows.size()));
    for (int r = 0; r < rowCount(); ++r) {
        const ComparisonRow& row = comparison.rows[r];
        const QString entry = QString::fromStdString(row.entry);
        // Sorts by method, then in the comparison's order (the folders' names).
        auto* name = new SortItem(label(entry), 1000.0 * methodRank(row.entry) + r);
        name->setTextAlignment(Qt::AlignLeft | Qt::AlignVCenter);
        name->setData(kEntryRole, entry);
        QStringList dirs{entry};
        for (const auto& d : row.runs) dirs << QString::fromStdString(d);
        name->setToolTip(dirs.join('\n'));
        setItem(r, 0, name);
        setItem(r, 1, new SortItem(QString::number(row.runs.size()), row.runs.size()));
        int c = 2;
        for (const auto& set : comparison.columns) {
            const auto it = row.top1.find(set);
            if (it == row.top1.end()) {
                setItem(r, c++, new SortItem(QStringLiteral("–"), std::nan("")));
                continue;
            }
            const SeedStats& s = it->second;
            setItem(r, c++,
                    new SortItem(QStringLiteral("%1 ± %2")
                                     .arg(100 * s.mean, 0, 'f', 1)
                                     .arg(100 * s.std, 0, 'f', 1),
                                 s.mean));
        }
        const double wall = row.wall_seconds.n ? row.wall_seconds.mean : std::nan("");
        const double step = row.step_seconds.n ? row.step_seconds.mean : std::nan("");
        setItem(r, c++, new SortItem(number(wall, 1), wall));
        setItem(r, c++, new SortItem(number(step, 3), step));
        const bool baseline = row.entry == comparison.baseline;
        auto* cost =
            new SortItem(extraCost(row, comparison.baseline), baseline ? 0.0 : row.extra_cost);
        cost->setToolTip(tr("Median seconds per training step relative to %1's")
                             .arg(QString::fromStdString(comparison.baseline)));
        setItem(r, c++, cost);
    }
    setSortingEnabled(true);
    sortByColumn(sortColumn, order);
    resizeColumnsToContents();
}

QString ComparisonTable::entryAt(int row) const {
    const QTableWidgetItem* it = item(row, 0);
    return it ? it->data(kEntryRole).toString() : QString();
}

QString ComparisonTable::selectedEntry() const {
    const auto rows = selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : entryAt(rows.front().row());
}

bool ComparisonTable::selectEntry(const QString& entry) {
    for (int r = 0; r < rowCount() && !entry.isEmpty(); ++r)
        if (entryAt(r) == entry) {
            selectRow(r);
            return true;
        }
    return false;
}

}  // namespace tpgm::ui
