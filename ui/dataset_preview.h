// SPDX-License-Identifier: GPL-3.0-or-later
// Data preview: the sets a config loads (train, projection, ID test, OOD), each with its name,
// kind and size and a grid of sample images labelled with their class names, so that a user sees
// what was loaded before training. Loading runs as a BackgroundJob (the first demo build takes
// about 30 s); the window stays responsive, shows the loader's progress and can cancel it.
#pragma once

#include "config/run_config.h"

#include <QString>
#include <QWidget>

#include <optional>
#include <vector>

class QGridLayout;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QVBoxLayout;

namespace tpgm::facade {
struct DataPreview;
}

namespace tpgm::ui {

class BackgroundJob;
template <class T>
struct JobResult;

// The Data preview tab: every set a config loads, with sample images and their class names.
class DatasetPreview : public QWidget {
    Q_OBJECT
  public:
    explicit DatasetPreview(QWidget* parent = nullptr);
    // Loads `config`'s sets off the UI thread and shows them when done. A call while one loads
    // cancels that one and starts once it has ended (the newer call wins).
    void load(const RunConfig& config);
    // Ends the load at the loader's next progress report; loaded(false) follows.
    void cancel();
    bool isLoading() const { return loading_; }
    // The job the sets load in (tests).
    BackgroundJob* job() const { return job_; }
    // What is shown: one entry per set.
    int setCount() const { return static_cast<int>(sets_.size()); }
    QString setTitle(int set) const;
    int imageCount(int set) const;
    QStringList imageLabels(int set) const;
    QString statusText() const;

  signals:
    // The "Load from setup" button: the window answers with load(panel config).
    void reloadRequested();
    void loaded(bool ok);

  private:
    struct Shown {
        QString title;
        QStringList labels;
        int images = 0;
    };
    void clearSets();
    void startLoad(const RunConfig& config);
    void finishLoad(JobResult<facade::DataPreview> result);
    void showPreview(const facade::DataPreview& p);

    QPushButton* reload_;
    QPushButton* cancel_;
    QSpinBox* perSet_;
    QLabel* status_;
    QProgressBar* progress_;
    QWidget* content_;
    QVBoxLayout* setsLayout_;
    BackgroundJob* job_;
    std::optional<RunConfig> next_;  // a load asked for while one was being cancelled
    std::vector<Shown> sets_;
    bool loading_ = false;
};

}  // namespace tpgm::ui
