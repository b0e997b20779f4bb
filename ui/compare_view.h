// SPDX-License-Identifier: GPL-3.0-or-later
// The Compare tab: methods side by side over seeds from a comparison folder (the table
// `tpgm-cli compare` prints), WiSE-FT's interpolation curve of the selected entry, and a
// comparison of ticked methods x seeds run in the background on the run setup's config.
#pragma once

#include "config/run_config.h"
#include "engine/comparison.h"

#include <QString>
#include <QStringList>
#include <QWidget>

#include <functional>
#include <optional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSplitter;
class QStackedWidget;

namespace tpgm::ui {

class BackgroundJob;
class ComparisonTable;
class WiseCurvePlot;

// Table, curve and run controls over one comparison folder.
class CompareView : public QWidget {
    Q_OBJECT
  public:
    // The config a new comparison starts from; nullopt with `why` set when none can start now.
    using ConfigSource = std::function<std::optional<RunConfig>(QString* why)>;
    // The entries offered as check boxes, and those ticked at first.
    static QStringList offeredEntries();
    static QStringList defaultEntries();

    explicit CompareView(QWidget* parent = nullptr);
    // The folder follows `<root>/compare` until the user picks another one.
    void setRunsRoot(const QString& root);
    // Shows the comparison in `dir` (reads it at once).
    void setFolder(const QString& dir);
    QString folder() const;
    void setConfigSource(ConfigSource source) { source_ = std::move(source); }
    // Rereads the folder; keeps the selected entry.
    void refresh();

    // Ticks exactly `entries` (of offeredEntries()) and sets the seeds field ("0,1,2").
    void setPlan(const QStringList& entries, const QString& seeds);
    QStringList checkedEntries() const;
    // The seeds field's numbers; nullopt (with `why`) when it does not parse.
    std::optional<std::vector<int>> seeds(QString* why = nullptr) const;
    // Starts the ticked entries x seeds into folder(); false (status line says why) when it
    // cannot: nothing ticked, bad seeds, no config, a comparison already running.
    bool runComparison();
    // Starts `plan` as it is (tests); false when a comparison is already running.
    bool startPlan(const ComparisonPlan& plan);
    void cancel();

    const Comparison& comparison() const { return comparison_; }
    // Selects the row of `entry` (the curve follows); false when there is none.
    bool selectEntry(const QString& entry);
    QString selectedEntry() const;
    QString markdown() const;
    // Puts markdown() on the clipboard.
    void copyMarkdown();
    // Whether the teaching text shows instead of the table (no compared runs in the folder).
    bool showsEmptyState() const;
    QString emptyText() const;
    QString statusText() const;

    ComparisonTable* table() const { return table_; }
    WiseCurvePlot* curve() const { return curve_; }
    // The background comparison (tests).
    BackgroundJob* job() const { return job_; }

    // Whether a comparison is training (the window then refuses to start a run of its own).
    bool comparing() const;

  signals:
    void comparisonStarted();
    // A comparison ended: `error` empty when it completed, "cancelled", or why it failed.
    void comparisonFinished(const QString& folder, const QString& error);

  protected:
    void showEvent(QShowEvent* event) override;

  private:
    void fillTable();
    void fitTable();
    void updateCurve();
    void updateButtons();
    void browse();
    void onFinished(const QString& error);

    QLineEdit* folder_ = nullptr;
    QPushButton* copy_ = nullptr;
    QStackedWidget* stack_ = nullptr;
    QSplitter* split_ = nullptr;
    QLabel* empty_ = nullptr;
    ComparisonTable* table_ = nullptr;
    WiseCurvePlot* curve_ = nullptr;
    std::vector<QCheckBox*> entries_;
    QLineEdit* seeds_ = nullptr;
    QPushButton* run_ = nullptr;
    QPushButton* cancel_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* status_ = nullptr;
    BackgroundJob* job_ = nullptr;
    ConfigSource source_;
    QString defaultFolder_;
    QString runningFolder_;
    int fittedRows_ = -1;
    int pendingRuns_ = 0;  // run folders in folder() that did not complete (yet)
    Comparison comparison_;
};

}  // namespace tpgm::ui
