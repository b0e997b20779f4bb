// SPDX-License-Identifier: GPL-3.0-or-later
// Run setup, generated from the config schema (config_fields()): every key gets an editor for
// its type (choices, ranges, files and folders with Browse…, lists, the OOD sets), grouped by
// section, with its documentation as tooltip. Sections that do not apply to the chosen data
// source or method are hidden. Every edit is checked with the engine's validate(); problems
// appear in red right under the field concerned. The pre-trained checkpoint's load report
// (format, tensors loaded / skipped / new head) is computed as a BackgroundJob and shown under
// its field (setup_panel_report.cpp).
#pragma once

#include "config/config_schema.h"
#include "config/run_config.h"

#include <QString>
#include <QTimer>
#include <QWidget>

#include <map>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QVBoxLayout;

namespace tpgm::facade {
struct CheckpointReport;
}

namespace tpgm::ui {

class BackgroundJob;
class CollapsibleSection;
class OodSetEditor;
template <class T>
struct JobResult;

// The Run setup dock: one editor per config key, validated as it is edited.
class SetupPanel : public QWidget {
    Q_OBJECT
  public:
    explicit SetupPanel(QWidget* parent = nullptr);
    // Fills the fields from `config` (every key of the schema has one).
    void setConfig(const RunConfig& config);
    // The run the fields describe. An empty run name gets "<method>-<date>-<time>".
    RunConfig config() const;
    // Parse problems of the fields plus validate()'s issues; empty when the run can start.
    std::vector<ConfigIssue> issues() const;
    bool isValid() const { return issues().empty(); }
    // The editor and its error label for a dotted config key (tests, focus on error). Text,
    // Real, list and path keys are QLineEdits, Int keys QSpinBoxes (QLineEdit when unbounded,
    // e.g. seeds), Choice keys QComboBoxes, Bool keys QCheckBoxes and "ood" an OodSetEditor.
    // "ood[1].path" gives the OOD editor.
    QWidget* field(const QString& key) const;
    QLabel* errorLabel(const QString& key) const;
    // Whether the section holding `key` is shown for the current data source and method.
    bool isFieldShown(const QString& key) const;
    // Read-only while a run trains.
    void setEditable(bool editable);
    // The folder new runs go under (the robustness demo looks for runs there).
    QString runsRoot() const;
    // Whether the run name is left empty (each Start then names its own folder).
    bool automaticRunName() const;

    // The checkpoint's load report under the pretrained field; pending while it is computed.
    QLabel* checkpointReportLabel() const { return report_; }
    bool checkpointReportPending() const { return reportPending_; }
    // Stops waiting for the report (the read under way is not shown); the next edit reads again.
    void cancelCheckpointReport();
    // The job the report is read in (tests).
    BackgroundJob* checkpointReportJob() const { return reportJob_; }

  signals:
    void validityChanged(bool valid);
    // Any setting changed (after its validation).
    void settingsChanged();
    // The "Preview data" button: show the sets this config loads.
    void previewRequested();
    // A new checkpoint report is shown (tests wait on it).
    void checkpointReportReady(bool ok);

  private:
    struct Editor {
        ConfigFieldInfo info;
        QWidget* widget = nullptr;  // what field() returns
        QWidget* cell = nullptr;    // the widget with its Browse button, enabled/disabled
        QString section;            // the section it is shown in
    };
    QWidget* makeEditor(const ConfigFieldInfo& f, QWidget* parent, QWidget** cell);
    void addField(const ConfigFieldInfo& f, CollapsibleSection* section, const QString& sectionId);
    void setValue(const Editor& e, const RunConfig& c);
    // The editor's text as an override value; false with `problem` set when it does not parse.
    bool overrideValue(const Editor& e, std::string* value, std::string* problem) const;
    RunConfig build(std::vector<ConfigIssue>* parseIssues) const;
    void revalidate();
    void updateSections();
    void scheduleReport();
    void startReport();
    void showReport(const QString& key, JobResult<facade::CheckpointReport> result);

    RunConfig base_;
    std::vector<Editor> editors_;
    std::map<QString, QWidget*> fields_;
    std::map<QString, QLabel*> errors_;
    std::map<QString, CollapsibleSection*> sections_;  // by section id ("", "optim", ...)
    std::map<QString, QString> sectionOf_;             // key -> section id it is shown in
    QVBoxLayout* column_ = nullptr;
    QLabel* general_;
    QLineEdit* runName_;
    OodSetEditor* ood_ = nullptr;
    QPushButton* preview_ = nullptr;
    QLabel* report_;
    BackgroundJob* reportJob_;
    QTimer reportTimer_;
    QString reportKey_;  // what the report shown or being read is for
    bool reportPending_ = false;
    QString reportError_;  // why the checkpoint will not load (an issue), empty when it will
    QString method_;       // the method the run name was last made to follow
    bool valid_ = true;
    bool loading_ = false;
};

}  // namespace tpgm::ui
