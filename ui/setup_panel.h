// Run setup: checkpoint, data, method and its settings, optimiser and run folder. Every edit is
// checked with the engine's validate(); problems appear in red right under the field concerned.
#pragma once

#include "config/config_schema.h"
#include "config/run_config.h"

#include <QString>
#include <QWidget>

#include <map>
#include <vector>

class QCheckBox;
class QComboBox;
class QGroupBox;
class QLabel;
class QLineEdit;

namespace tpgm::ui {

class SetupPanel : public QWidget {
    Q_OBJECT
  public:
    explicit SetupPanel(QWidget* parent = nullptr);
    // Fills the fields; settings without a field (demo sizes, ...) are kept from `config`.
    void setConfig(const RunConfig& config);
    // The run the fields describe. An empty run name gets "<method>-<date>-<time>".
    RunConfig config() const;
    // Parse problems of the fields plus validate()'s issues; empty when the run can start.
    std::vector<ConfigIssue> issues() const;
    bool isValid() const { return issues().empty(); }
    // The field and its error label for a dotted config key (tests, focus on error).
    QWidget* field(const QString& key) const;
    QLabel* errorLabel(const QString& key) const;
    // Read-only while a run trains.
    void setEditable(bool editable);
    // The folder new runs go under (the robustness demo looks for runs there).
    QString runsRoot() const;

  signals:
    void validityChanged(bool valid);

  private:
    QLineEdit* addLine(QWidget* box, const QString& key, const QString& label);
    QComboBox* addCombo(QWidget* box, const QString& key, const QString& label,
                        const std::vector<std::pair<QString, QString>>& items);
    QCheckBox* addCheck(QWidget* box, const QString& key, const QString& label);
    void addRow(QWidget* box, const QString& key, const QString& label, QWidget* field);
    RunConfig build(std::vector<ConfigIssue>* parseIssues) const;
    void revalidate();

    RunConfig base_;
    std::map<QString, QWidget*> fields_;
    std::map<QString, QLabel*> errors_;
    QLabel* general_;
    QGroupBox* tpgmBox_;
    QLineEdit* runName_;
    bool valid_ = true;
    bool loading_ = false;
};

}  // namespace tpgm::ui
