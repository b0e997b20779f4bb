// SPDX-License-Identifier: GPL-3.0-or-later
// The OOD test sets of a folders or lists run as an editable table: one row per set with its
// path, name, kind, class subset, corruption and severity, and a list root; Add folder / Add
// list / Remove buttons. Columns and choices come from ood_set_fields().
#pragma once

#include "config/run_config.h"

#include <QString>
#include <QWidget>

#include <vector>

class QLabel;
class QPushButton;
class QTableWidget;

namespace tpgm::ui {

class OodSetEditor : public QWidget {
    Q_OBJECT
  public:
    explicit OodSetEditor(QWidget* parent = nullptr);
    void setSets(const std::vector<OodSetConfig>& sets);
    // The sets as edited; a severity that is not a whole number is reported in `problems`
    // as ("ood[i].severity", message).
    std::vector<OodSetConfig> sets(
        std::vector<std::pair<std::string, std::string>>* problems = nullptr) const;
    int count() const;
    // Appends a set (Add folder / Add list do this with the chosen path).
    void addSet(const OodSetConfig& set);
    void removeSet(int row);
    QTableWidget* table() const { return table_; }
    // The column of an OOD entry key ("path", "kind", ...), -1 for none.
    int column(const QString& key) const;
    // Marks the cells of `keys` ("ood[1].path") in red.
    void markIssues(const QStringList& keys);

  signals:
    void changed();

  private:
    void addRow(const OodSetConfig& set);
    void browse(bool folder);

    QTableWidget* table_;
    QPushButton* remove_;
    QStringList keys_;
};

}  // namespace tpgm::ui
