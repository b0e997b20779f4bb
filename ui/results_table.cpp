// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/results_table.h"

#include "runs/run_paths.h"
#include "runs/set_names.h"

#include <QFile>
#include <QFileInfo>
#include <QHeaderView>
#include <QMenu>
#include <QPainter>
#include <QTableWidget>
#include <QTextStream>
#include <QVBoxLayout>

#include <set>

namespace tpgm::ui {

namespace {
constexpr int kFixedColumns = 5;  // run, method, status, steps, folder

QIcon swatch(const QColor& color) {
    QPixmap pm(14, 14);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setBrush(color);
    p.setPen(Qt::NoPen);
    p.drawRoundedRect(QRectF(1, 1, 12, 12), 3, 3);
    return QIcon(pm);
}

QString setHeader(const std::string& name) {
    if (name == kIdSet) return QObject::tr("ID");
    if (name == kOodMean) return QObject::tr("OOD mean");
    if (name == kCorruptionMean) return QObject::tr("corr. mean");
    return QString::fromStdString(name);
}
}  // namespace

ResultsTable::ResultsTable(QWidget* parent) : QWidget(parent) {
    table_ = new QTableWidget(this);
    table_->setObjectName("resultsTable");
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->verticalHeader()->setVisible(false);
    table_->horizontalHeader()->setStretchLastSection(false);
    table_->setContextMenuPolicy(Qt::CustomContextMenu);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(table_);
    connect(table_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
        if (filling_ || item->column() != 0) return;
        const int row = item->row();
        if (row < 0 || row >= static_cast<int>(runs_.size())) return;
        runs_[row]->visible = item->checkState() == Qt::Checked;
        emit visibilityChanged();
    });
    connect(table_, &QTableWidget::itemSelectionChanged, this, [this] {
        if (!filling_) emit currentRunChanged();
    });
    connect(table_, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        const int row = table_->rowAt(pos.y());
        if (row < 0 || row >= static_cast<int>(runs_.size())) return;
        RunPtr run = runs_[row];
        QMenu menu(this);
        QAction* fork =
            menu.addAction(tr("Fork from here..."), this, [this, run] { emit forkRequested(run); });
        fork->setEnabled(!run->live && QFileInfo::exists(QString::fromStdString(
                                           RunPaths(run->dir.toStdString()).last_checkpoint())));
        menu.addAction(tr("Remove from the session"), this,
                       [this, run] { emit removeRequested(run); });
        menu.exec(table_->viewport()->mapToGlobal(pos));
    });
}

QString ResultsTable::signature() const {
    QString s;
    for (const auto& r : runs_)
        s += QStringLiteral("%1|%2|%3|%4|%5;")
                 .arg(r->name)
                 .arg(r->record.evals.size())
                 .arg(r->status())
                 .arg(0)
                 .arg(r->method);
    return s;
}

void ResultsTable::setRuns(const RunList& runs) {
    const bool changedList =
        runs.size() != runs_.size() || !std::equal(runs.begin(), runs.end(), runs_.begin());
    RunPtr current = currentRun();
    runs_ = runs;
    const QString sig = signature();
    if (!changedList && sig == signature_) {
        // Only the step counts moved: update those cells in place instead of refilling.
        for (int row = 0; row < static_cast<int>(runs_.size()) && row < table_->rowCount(); ++row) {
            const auto& steps = runs_[row]->record.steps;
            const QString text = QString::number(steps.empty() ? 0 : steps.back().step);
            if (QTableWidgetItem* item = table_->item(row, 3); item && item->text() != text)
                item->setText(text);
        }
        return;
    }
    signature_ = sig;
    fill();
    if (current)
        selectRun(current);
    else if (!runs_.empty())
        selectRun(runs_.back());
}

void ResultsTable::fill() {
    filling_ = true;
    std::set<std::string> ood;
    for (const auto& r : runs_)
        for (const auto& [name, _] : r->finalTop1())
            if (!is_headline_set(name)) ood.insert(name);
    sets_.assign(std::begin(kHeadlineSets), std::end(kHeadlineSets));
    sets_.insert(sets_.end(), ood.begin(), ood.end());
    QStringList headers{tr("Run"), tr("Method"), tr("Status"), tr("Steps"), tr("Folder")};
    for (const auto& s : sets_) headers << setHeader(s);
    table_->clear();
    table_->setColumnCount(headers.size());
    table_->setHorizontalHeaderLabels(headers);
    table_->setRowCount(static_cast<int>(runs_.size()));
    for (int row = 0; row < static_cast<int>(runs_.size()); ++row) {
        const RunSeries& r = *runs_[row];
        auto* name = new QTableWidgetItem(swatch(r.color), r.name);
        name->setFlags(name->flags() | Qt::ItemIsUserCheckable);
        name->setCheckState(r.visible ? Qt::Checked : Qt::Unchecked);
        name->setToolTip(tr("Tick to show this run in the plots"));
        table_->setItem(row, 0, name);
        table_->setItem(row, 1, new QTableWidgetItem(r.method));
        table_->setItem(row, 2, new QTableWidgetItem(r.status()));
        const int64_t steps = r.record.steps.empty() ? 0 : r.record.steps.back().step;
        table_->setItem(row, 3, new QTableWidgetItem(QString::number(steps)));
        table_->setItem(row, 4, new QTableWidgetItem(r.dir));
        const auto top1 = r.finalTop1();
        for (size_t k = 0; k < sets_.size(); ++k) {
            auto it = top1.find(sets_[k]);
            auto* item = new QTableWidgetItem(
                it == top1.end() ? QString("–") : QString::number(100 * it->second, 'f', 1));
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            table_->setItem(row, kFixedColumns + static_cast<int>(k), item);
        }
    }
    table_->resizeColumnsToContents();
    filling_ = false;
}

RunPtr ResultsTable::currentRun() const {
    const auto rows =
        table_->selectionModel() ? table_->selectionModel()->selectedRows() : QModelIndexList{};
    if (rows.isEmpty()) return nullptr;
    const int row = rows.first().row();
    return row >= 0 && row < static_cast<int>(runs_.size()) ? runs_[row] : nullptr;
}

void ResultsTable::selectRun(const RunPtr& run) {
    for (int row = 0; row < static_cast<int>(runs_.size()); ++row) {
        if (runs_[row] != run) continue;
        const bool wasFilling = filling_;
        filling_ = true;
        table_->selectRow(row);
        filling_ = wasFilling;
        emit currentRunChanged();
        return;
    }
}

QString ResultsTable::toCsv() const {
    auto quote = [](QString s) {
        if (s.contains(',') || s.contains('"')) s = '"' + s.replace("\"", "\"\"") + '"';
        return s;
    };
    QString out = "run,method,status,steps,folder";
    for (const auto& s : sets_) out += "," + quote(QString::fromStdString(s) + "_top1");
    out += "\n";
    for (const auto& r : runs_) {
        out += quote(r->name) + "," + r->method + "," + r->status() + "," +
               QString::number(r->record.steps.empty() ? 0 : r->record.steps.back().step) + "," +
               quote(r->dir);
        const auto top1 = r->finalTop1();
        for (const auto& s : sets_) {
            auto it = top1.find(s);
            out += "," + (it == top1.end() ? QString() : QString::number(100 * it->second, 'f', 2));
        }
        out += "\n";
    }
    return out;
}

bool ResultsTable::exportCsv(const QString& path) const {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) return false;
    QTextStream(&f) << toCsv();
    return true;
}

}  // namespace tpgm::ui
