// SPDX-License-Identifier: GPL-3.0-or-later
// "Fork from here...": a new run that continues a run from one of its kept checkpoints with the
// setup panel's settings where they differ (engine/fork.h does the work).
#pragma once

#include "config/run_config.h"

#include <QDialog>

#include <string>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;

namespace tpgm::ui {

// Asks for the step and the new folder, lists the settings the fork changes (each can be
// unticked) and those it keeps from the parent; prepared() is the config to run once accepted.
class ForkDialog : public QDialog {
    Q_OBJECT
  public:
    // `parentDir`: the run to fork; `wanted`: the setup panel's settings.
    ForkDialog(const QString& parentDir, const RunConfig& wanted, QWidget* parent = nullptr);
    // The fork's folder written and its config (resume=true), after accept(); throws nothing.
    const RunConfig& prepared() const { return prepared_; }
    // The key=value overrides of the ticked changes.
    std::vector<std::string> overrides() const;
    QComboBox* stepBox() const { return step_; }
    QListWidget* changeList() const { return changes_; }

  public Q_SLOTS:
    void accept() override;

  private:
    QString parentDir_;
    RunConfig prepared_;
    QComboBox* step_ = nullptr;
    QLineEdit* runDir_ = nullptr;
    QListWidget* changes_ = nullptr;
    QLabel* kept_ = nullptr;
    QLabel* error_ = nullptr;
};

}  // namespace tpgm::ui
