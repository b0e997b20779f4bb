// SPDX-License-Identifier: GPL-3.0-or-later
// Data preview: the sets a config loads (train, projection, ID test, OOD), each with its name,
// kind and size and a grid of sample images labelled with their class names, so that a user sees
// what was loaded before training. Loading runs on a worker thread (the first demo build takes
// about 30 s); the window stays responsive and shows the loader's progress.
#pragma once

#include "config/run_config.h"

#include <QString>
#include <QTimer>
#include <QWidget>

#include <memory>

class QGridLayout;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QVBoxLayout;

namespace tpgm::ui {

class DatasetPreview : public QWidget {
    Q_OBJECT
  public:
    explicit DatasetPreview(QWidget* parent = nullptr);
    // Loads `config`'s sets off the UI thread and shows them when done (a newer call wins).
    void load(const RunConfig& config);
    bool isLoading() const { return loading_; }
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
    struct Progress;
    void clearSets();
    void pollProgress();

    QPushButton* reload_;
    QSpinBox* perSet_;
    QLabel* status_;
    QProgressBar* progress_;
    QWidget* content_;
    QVBoxLayout* setsLayout_;
    QTimer poll_;
    std::shared_ptr<Progress> progressState_;
    std::vector<Shown> sets_;
    int generation_ = 0;
    bool loading_ = false;
};

}  // namespace tpgm::ui
