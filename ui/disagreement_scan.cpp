// SPDX-License-Identifier: GPL-3.0-or-later
// The disagreement gallery's scan (see disagreement_scan.h).
#include "ui/disagreement_scan.h"

#include "engine/trainer.h"
#include "facade/run_predictor.h"
#include "robustness/corruptions.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <memory>
#include <stdexcept>

namespace tpgm::ui {

namespace {
constexpr int kChunk = 50;  // images per forward pass: progress and cancel granularity
}

QString ScanRequest::signature() const {
    return QStringList{demoKey, corruption, QString::number(severity), names.join('|'),
                       stamps.join('|')}
        .join('\n');
}

ScanResult run_disagreement_scan(const ScanRequest& request, const ScanProgress& progress,
                                 const RunControl& control) {
    QElapsedTimer clock;
    clock.start();
    ScanResult r;
    r.request = request;
    try {
        if (request.checkpoints.size() < 2)
            throw std::runtime_error(
                QCoreApplication::translate("DisagreementGallery",
                                            "choose at least two runs to compare")
                    .toStdString());
        const auto checkStop = [&control] {
            if (control.stop_requested()) throw StopRequested();
        };
        // Building the demo benchmark takes about 30 s the first time: stoppable meanwhile.
        r.samples =
            facade::load_demo_samples(request.demo, request.count,
                                      [&](const std::string&, int64_t, int64_t) { checkStop(); });
        const int n = static_cast<int>(r.samples.images.size());
        const int columns = static_cast<int>(request.checkpoints.size());
        const int total = n * (1 + columns);
        int done = 0;
        const auto corruption = robustness::corruption_from_name(request.corruption.toStdString());
        for (int i = 0; i < n; ++i) {
            if (i % kChunk == 0) checkStop();
            const cv::Mat& clean = r.samples.images[i];
            r.corrupted.push_back(corruption
                                      ? robustness::corrupt(clean, *corruption, request.severity,
                                                            static_cast<std::uint64_t>(i))
                                      : clean);
            if (progress && (++done % kChunk == 0 || done == n)) progress(done, total);
        }
        r.predictions.assign(n, std::vector<int>(columns, -1));
        QElapsedTimer predictClock;
        for (int c = 0; c < columns; ++c) {
            predictClock.start();
            const facade::RunPredictor model(request.checkpoints[c].toStdString());
            for (int begin = 0; begin < n; begin += kChunk) {
                checkStop();
                const int end = std::min(n, begin + kChunk);
                const std::vector<cv::Mat> chunk(r.corrupted.begin() + begin,
                                                 r.corrupted.begin() + end);
                const int size = chunk.front().cols;
                const std::vector<int> top1 =
                    model.top1_batch(chunk, size, r.samples.mean, r.samples.std);
                for (int i = begin; i < end; ++i) r.predictions[i][c] = top1[i - begin];
                done += end - begin;
                if (progress) progress(done, total);
            }
            r.predictSeconds += predictClock.nsecsElapsed() * 1e-9;
        }
    } catch (const std::exception& e) {
        // A loader may wrap the stop in an error of its own: a stop is still a stop.
        if (control.stop_requested()) throw StopRequested();
        r.error = QString::fromStdString(e.what());
    }
    r.seconds = clock.nsecsElapsed() * 1e-9;
    return r;
}

}  // namespace tpgm::ui
