// SPDX-License-Identifier: GPL-3.0-or-later
// One column's predictions of the Segmentation tab, run off the UI thread: a large model on a
// full-size image takes seconds on a CPU, which would freeze the window.
#pragma once

#include <QObject>
#include <QString>

#include <opencv2/core.hpp>

#include <memory>
#include <optional>

class QThread;

namespace tpgm::facade {
class RunSegmenter;
}

namespace tpgm::ui {

// Runs RunSegmenter::segment on a worker thread, one image at a time. A request made while one
// runs waits, and only the newest waiting request runs (dragging the severity or scene control
// does not queue up forward passes); a superseded result is dropped, never shown.
class BackgroundSegmenter : public QObject {
    Q_OBJECT
  public:
    explicit BackgroundSegmenter(QObject* parent = nullptr);
    // Waits for a running prediction (its result is dropped).
    ~BackgroundSegmenter() override;

    // Predicts `image` with `segmenter`; a null segmenter or an empty image asks for nothing but
    // still supersedes what runs.
    void request(std::shared_ptr<const facade::RunSegmenter> segmenter, cv::Mat image);
    // A prediction is running or waiting.
    bool busy() const { return thread_ != nullptr; }

  signals:
    // On the UI thread, for the newest request: the image it was given, its label map (CV_8UC1)
    // or, when segment() threw, the empty map and the reason.
    void predicted(const cv::Mat& image, const cv::Mat& labels, const QString& error);

  private:
    struct Request {
        std::shared_ptr<const facade::RunSegmenter> segmenter;
        cv::Mat image;
    };
    struct Result {
        cv::Mat image, labels;
        QString error;
    };
    void start(Request request);
    void onThreadFinished();

    QThread* thread_ = nullptr;
    std::shared_ptr<Result> result_;  // filled by the running thread
    std::optional<Request> waiting_;
};

}  // namespace tpgm::ui
