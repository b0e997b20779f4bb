// SPDX-License-Identifier: GPL-3.0-or-later
// The disagreement gallery's scan: the first test images of the demo benchmark under one
// corruption, each run's top-1 class on every image. Synchronous and Qt-widget-free, so the
// gallery runs it as a BackgroundJob and tests can run it directly.
#pragma once

#include "config/run_config.h"
#include "facade/demo_samples.h"

#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

namespace tpgm {
class RunControl;
}

namespace tpgm::ui {

// What a scan reads: the benchmark, how many images, the corruption and one run per column.
struct ScanRequest {
    DemoConfig demo;
    QString demoKey;  // identifies `demo` (its YAML)
    int count = 300;
    QString corruption;  // ImageNet-C name; empty for clean images
    int severity = 3;
    QStringList names;        // short column names, e.g. "LP", "FT", "TPGM"
    QStringList checkpoints;  // one per column
    QStringList stamps;       // one per column: what identifies the checkpoint's contents
    // Everything a scan's answer depends on but the count (which the gallery compares itself).
    QString signature() const;
};

// A scan's answer: the clean images (as the panel shows them), the images the runs saw and each
// run's top-1 class, plus the request it answers.
struct ScanResult {
    ScanRequest request;
    facade::DemoSamples samples;
    std::vector<cv::Mat> corrupted;
    std::vector<std::vector<int>> predictions;  // [image][column]
    double seconds = 0;                         // wall time of the whole scan
    double predictSeconds = 0;                  // of which loading the runs and predicting
    QString error;                              // non-empty: why it failed
};

// Called with work done and total (images corrupted plus images predicted per run).
using ScanProgress = std::function<void(int done, int total)>;

// Runs a scan on the calling thread: loads the samples, corrupts each with seed = its index (as
// the panel does), loads each checkpoint into its own predictor and predicts in batches. Polls
// `control` while the samples load and between batches, as training polls it between steps: a
// stop request ends the scan with StopRequested. Errors come back in `error`, never as
// exceptions.
ScanResult run_disagreement_scan(const ScanRequest& request, const ScanProgress& progress,
                                 const RunControl& control);

}  // namespace tpgm::ui
