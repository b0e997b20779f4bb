// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/ood_set_editor.h"

#include "config/config_schema.h"
#include "ui/form_widgets.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace tpgm::ui {

namespace {
const ConfigFieldInfo& info(int column) {
    return ood_set_fields()[static_cast<std::size_t>(column)];
}

std::string value_of(const OodSetConfig& set, const std::string& key) {
    if (key == "path") return set.path;
    if (key == "name") return set.name;
    if (key == "root") return set.root;
    if (key == "kind") return set.kind;
    if (key == "classes") return set.classes;
    if (key == "corruption") return set.corruption;
    if (key == "severity") return set.severity ? std::to_string(set.severity) : std::string();
    return {};
}
}  // namespace

OodSetEditor::OodSetEditor(QWidget* parent) : QWidget(parent) {
    for (const auto& f : ood_set_fields()) keys_ << QString::fromStdString(f.key);
    table_ = new QTableWidget(0, static_cast<int>(keys_.size()), this);
    table_->setObjectName("oodTable");
    table_->setHorizontalHeaderLabels(keys_);
    for (int c = 0; c < keys_.size(); ++c)
        table_->horizontalHeaderItem(c)->setToolTip(QString::fromStdString(info(c).doc));
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 10);
    table_->horizontalHeader()->setStretchLastSection(false);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    table_->setColumnWidth(column("path"), 160);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setMinimumHeight(90);
    table_->setMaximumHeight(170);
    connect(table_, &QTableWidget::itemChanged, this, &OodSetEditor::changed);

    auto* addFolder = new QPushButton(tr("Add folder…"), this);
    addFolder->setObjectName("oodAddFolder");
    addFolder->setToolTip(tr("An ImageFolder root (one sub-folder per class) as an OOD set"));
    auto* addList = new QPushButton(tr("Add list…"), this);
    addList->setObjectName("oodAddList");
    addList->setToolTip(tr("A split-list file (path label lines) as an OOD set"));
    remove_ = new QPushButton(tr("Remove"), this);
    remove_->setObjectName("oodRemove");
    remove_->setEnabled(false);
    connect(addFolder, &QPushButton::clicked, this, [this] { browse(true); });
    connect(addList, &QPushButton::clicked, this, [this] { browse(false); });
    connect(remove_, &QPushButton::clicked, this, [this] {
        const int row = table_->currentRow();
        if (row >= 0) removeSet(row);
    });
    connect(table_, &QTableWidget::currentCellChanged, this,
            [this](int row) { remove_->setEnabled(row >= 0); });

    auto* buttons = new QHBoxLayout;
    buttons->setContentsMargins(0, 0, 0, 0);
    buttons->addWidget(addFolder);
    buttons->addWidget(addList);
    buttons->addStretch(1);
    buttons->addWidget(remove_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(table_);
    layout->addLayout(buttons);
}

int OodSetEditor::column(const QString& key) const {
    return static_cast<int>(keys_.indexOf(key));
}

int OodSetEditor::count() const {
    return table_->rowCount();
}

void OodSetEditor::browse(bool folder) {
    const QString path =
        folder ? QFileDialog::getExistingDirectory(this, tr("OOD image folder"))
               : QFileDialog::getOpenFileName(this, tr("OOD split list"), QString(),
                                              tr("Split lists (*.txt);;All files (*)"));
    if (path.isEmpty()) return;
    OodSetConfig set;
    set.path = path.toStdString();
    addSet(set);
}

void OodSetEditor::addRow(const OodSetConfig& set) {
    const QSignalBlocker block(table_);
    const int row = table_->rowCount();
    table_->insertRow(row);
    for (int c = 0; c < keys_.size(); ++c) {
        const ConfigFieldInfo& f = info(c);
        const QString value = QString::fromStdString(value_of(set, f.key));
        if (f.type == FieldType::Choice) {
            auto* combo = new WheelSafeComboBox(table_);
            for (const auto& choice : f.choices) {
                const QString s = QString::fromStdString(choice);
                combo->addItem(s, s);
            }
            int i = combo->findData(value);
            if (i < 0) {
                combo->addItem(value, value);
                i = combo->count() - 1;
            }
            combo->setCurrentIndex(i);
            combo->setToolTip(QString::fromStdString(f.doc));
            connect(combo, &QComboBox::currentIndexChanged, this, &OodSetEditor::changed);
            table_->setCellWidget(row, c, combo);
        } else {
            auto* item = new QTableWidgetItem(value);
            item->setToolTip(QString::fromStdString(f.doc));
            table_->setItem(row, c, item);
        }
    }
}

void OodSetEditor::setSets(const std::vector<OodSetConfig>& sets) {
    table_->setRowCount(0);
    for (const auto& s : sets) addRow(s);
    remove_->setEnabled(table_->currentRow() >= 0);
    emit changed();
}

void OodSetEditor::addSet(const OodSetConfig& set) {
    addRow(set);
    table_->setCurrentCell(table_->rowCount() - 1, column("path"));
    emit changed();
}

void OodSetEditor::removeSet(int row) {
    if (row < 0 || row >= table_->rowCount()) return;
    table_->removeRow(row);
    remove_->setEnabled(table_->currentRow() >= 0);
    emit changed();
}

std::vector<OodSetConfig> OodSetEditor::sets(
    std::vector<std::pair<std::string, std::string>>* problems) const {
    std::vector<OodSetConfig> out;
    for (int row = 0; row < table_->rowCount(); ++row) {
        OodSetConfig set;
        for (int c = 0; c < keys_.size(); ++c) {
            const std::string& key = info(c).key;
            std::string value;
            if (auto* combo = qobject_cast<QComboBox*>(table_->cellWidget(row, c)))
                value = combo->currentData().toString().toStdString();
            else if (QTableWidgetItem* item = table_->item(row, c))
                value = item->text().trimmed().toStdString();
            if (key == "path")
                set.path = value;
            else if (key == "name")
                set.name = value;
            else if (key == "root")
                set.root = value;
            else if (key == "kind")
                set.kind = value;
            else if (key == "classes")
                set.classes = value;
            else if (key == "corruption")
                set.corruption = value;
            else if (key == "severity" && !value.empty()) {
                bool ok = false;
                set.severity = QString::fromStdString(value).toInt(&ok);
                if (!ok && problems)
                    problems->push_back({"ood[" + std::to_string(row) + "].severity",
                                         "'" + value + "' is not a whole number"});
            }
        }
        out.push_back(set);
    }
    return out;
}

void OodSetEditor::markIssues(const QStringList& keys) {
    const QSignalBlocker block(table_);
    for (int row = 0; row < table_->rowCount(); ++row)
        for (int c = 0; c < keys_.size(); ++c) {
            const bool bad = keys.contains(QString("ood[%1].%2").arg(row).arg(keys_[c]));
            if (QWidget* w = table_->cellWidget(row, c))
                w->setStyleSheet(bad ? QStringLiteral("border: 1px solid #e0443e;") : QString());
            else if (QTableWidgetItem* item = table_->item(row, c))
                item->setBackground(bad ? QColor(224, 68, 62, 70) : QBrush());
        }
}

}  // namespace tpgm::ui
