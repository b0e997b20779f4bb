// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/background_segmenter.h"

#include "facade/run_segmenter.h"
#include "ui/jobs/background_job.h"

namespace tpgm::ui {

BackgroundSegmenter::BackgroundSegmenter(QObject* parent)
    : QObject(parent), job_(new BackgroundJob(QStringLiteral("tpgm-segmentation"), this)) {}

void BackgroundSegmenter::request(std::shared_ptr<const facade::RunSegmenter> segmenter,
                                  cv::Mat image) {
    if (!segmenter || image.empty()) {
        cancel();
        return;
    }
    Request next{std::move(segmenter), std::move(image)};
    if (job_->isRunning())
        waiting_ = std::move(next);
    else
        start(std::move(next));
}

void BackgroundSegmenter::cancel() {
    waiting_.reset();
    job_->cancel();
}

bool BackgroundSegmenter::busy() const {
    return job_->isRunning() || waiting_.has_value();
}

void BackgroundSegmenter::start(Request request) {
    const cv::Mat image = request.image;
    job_->run(
        [request = std::move(request)](JobContext& job) {
            cv::Mat labels = request.segmenter->segment(request.image);
            job.checkStop();  // cancelled meanwhile: the result is not wanted
            return labels;
        },
        [this, image](const JobResult<cv::Mat>& result) {
            if (waiting_) {  // asked again meanwhile: this result is already out of date
                Request next = std::move(*waiting_);
                waiting_.reset();
                start(std::move(next));
                return;
            }
            if (result.cancelled()) return;
            emit predicted(image, result.ok() ? *result.value : cv::Mat(), result.error);
        });
}

}  // namespace tpgm::ui
