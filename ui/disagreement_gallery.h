// SPDX-License-Identifier: GPL-3.0-or-later
// The robustness demo's disagreement gallery: scans the first test images of the demo benchmark
// under the panel's corruption with each chosen run (a BackgroundJob, cancellable) and shows
// the images the runs disagree on as thumbnails, most telling first.
#pragma once

#include "ui/disagreement_ranking.h"
#include "ui/disagreement_scan.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QListWidget;
class QListWidgetItem;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace tpgm::ui {

class BackgroundJob;
template <class T>
struct JobResult;

// Thumbnails of the images the chosen runs disagree on, with a filter, a count and a scan.
class DisagreementGallery : public QWidget {
    Q_OBJECT
  public:
    explicit DisagreementGallery(QWidget* parent = nullptr);
    ~DisagreementGallery() override;

    // The settings a scan would use now. An earlier scan with other settings is marked stale;
    // nothing is recomputed until "Find disagreements".
    void setRequest(const ScanRequest& request);
    const ScanRequest& request() const { return request_; }
    // Images to scan (the first N of the test split).
    int count() const;
    void setCount(int count);
    // Starts a scan of the current request in the background; false (with the reason shown)
    // when a scan runs or fewer than two runs are chosen.
    bool startScan();
    // Ends the scan between two batches; the previous result is kept.
    void cancelScan();
    bool isScanning() const;
    // The job the scans run in (tests).
    BackgroundJob* job() const { return job_; }
    // Shows a finished scan; tests inject hand-made ones.
    void setResult(ScanResult result);
    const ScanResult& result() const { return result_; }
    bool isStale() const;
    // The filter: -1 for every disagreement, else a SplitKind.
    void setFilter(int kind);
    // Thumbnails shown under the current filter, their captions and test image indices.
    int entryCount() const;
    QString entryCaption(int entry) const;
    int entrySample(int entry) const;
    QString summaryText() const;

  signals:
    // A thumbnail was clicked: test image `index` of the scan.
    void sampleActivated(int index);
    // A scan ended (finished, failed or cancelled) and its result is shown.
    void scanEnded();

  private:
    void populate();
    void updateState();
    void finishScan(JobResult<ScanResult> result);
    void activate(QListWidgetItem* item);

    ScanRequest request_;
    ScanResult result_;
    std::vector<Disagreement> ranked_;
    QPushButton* find_;
    QPushButton* cancel_;
    QSpinBox* count_;
    QComboBox* filter_;
    QProgressBar* progress_;
    QLabel* summary_;
    QLabel* stale_;
    QListWidget* list_;
    BackgroundJob* job_;
};

}  // namespace tpgm::ui
