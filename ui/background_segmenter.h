// SPDX-License-Identifier: GPL-3.0-or-later
// One column's predictions of the Segmentation tab, run off the UI thread: a large model on a
// full-size image takes seconds on a CPU, which would freeze the window.
#pragma once

#include <QObject>
#include <QString>

#include <opencv2/core.hpp>

#include <memory>
#include <optional>

namespace tpgm::facade {
class RunSegmenter;
}

namespace tpgm::ui {

class BackgroundJob;

// Runs RunSegmenter::segment as a BackgroundJob, one image at a time. A request made while one
// runs waits, and only the newest waiting request runs (dragging the severity or scene control
// does not queue up forward passes); a superseded or cancelled result is dropped, never shown.
class BackgroundSegmenter : public QObject {
    Q_OBJECT
  public:
    explicit BackgroundSegmenter(QObject* parent = nullptr);

    // Predicts `image` with `segmenter`; a null segmenter or an empty image asks for nothing and
    // cancels what runs or waits.
    void request(std::shared_ptr<const facade::RunSegmenter> segmenter, cv::Mat image);
    // Drops the waiting request and cancels the running one: its forward pass cannot be cut
    // short, but its result is never shown and the job ends as cancelled.
    void cancel();
    // A prediction is running or waiting.
    bool busy() const;
    // The job the predictions run in (tests).
    BackgroundJob* job() const { return job_; }

  signals:
    // On the UI thread, for the newest request: the image it was given, its label map (CV_8UC1)
    // or, when segment() threw, the empty map and the reason.
    void predicted(const cv::Mat& image, const cv::Mat& labels, const QString& error);

  private:
    struct Request {
        std::shared_ptr<const facade::RunSegmenter> segmenter;
        cv::Mat image;
    };
    void start(Request request);

    BackgroundJob* job_;
    std::optional<Request> waiting_;
};

}  // namespace tpgm::ui
