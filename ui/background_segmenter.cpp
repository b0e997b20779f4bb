// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/background_segmenter.h"

#include "facade/run_segmenter.h"

#include <QThread>

#include <exception>

namespace tpgm::ui {

BackgroundSegmenter::BackgroundSegmenter(QObject* parent) : QObject(parent) {}

BackgroundSegmenter::~BackgroundSegmenter() {
    if (!thread_) return;
    disconnect(thread_, nullptr, this, nullptr);
    thread_->wait();
    delete thread_;
}

void BackgroundSegmenter::request(std::shared_ptr<const facade::RunSegmenter> segmenter,
                                  cv::Mat image) {
    Request next{std::move(segmenter), std::move(image)};
    if (thread_)
        waiting_ = std::move(next);
    else
        start(std::move(next));
}

void BackgroundSegmenter::start(Request request) {
    if (!request.segmenter || request.image.empty()) return;
    auto result = std::make_shared<Result>();
    result_ = result;
    thread_ = QThread::create([request = std::move(request), result] {
        result->image = request.image;
        try {
            result->labels = request.segmenter->segment(request.image);
        } catch (const std::exception& e) {
            result->error = QString::fromUtf8(e.what());
        }
    });
    thread_->setObjectName("tpgm-segmentation");
    connect(thread_, &QThread::finished, this, &BackgroundSegmenter::onThreadFinished);
    thread_->start();
}

void BackgroundSegmenter::onThreadFinished() {
    thread_->deleteLater();
    thread_ = nullptr;
    const std::shared_ptr<Result> result = std::move(result_);
    if (waiting_) {  // asked again meanwhile: this result is already out of date
        Request next = std::move(*waiting_);
        waiting_.reset();
        start(std::move(next));
        return;
    }
    emit predicted(result->image, result->labels, result->error);
}

}  // namespace tpgm::ui
