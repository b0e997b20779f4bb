// SPDX-License-Identifier: GPL-3.0-or-later
// The robustness panel's side of the disagreement gallery: what a scan reads from the panel, and
// a clicked thumbnail shown in the panel.
#include "runs/run_discovery.h"
#include "ui/disagreement_gallery.h"
#include "ui/robustness_panel.h"

#include <QComboBox>
#include <QDateTime>
#include <QFileInfo>
#include <QLineEdit>
#include <QSlider>
#include <QSpinBox>

namespace tpgm::ui {

namespace {
const char* kShort[] = {"LP", "FT", "TPGM"};  // column names in captions
}

int RobustnessPanel::currentSample() const {
    return custom_.empty() && samplesLoaded() ? sample_->value() : -1;
}

void RobustnessPanel::showSample(int index) {
    const ScanResult& scan = gallery_->result();
    // A scan of more images than the panel loaded brings them along (same benchmark only).
    const bool adopt =
        scan.request.demoKey == demoKey_ && scan.samples.images.size() > samples_.images.size();
    if (adopt) {
        samples_ = scan.samples;
        const QSignalBlocker block(sample_);
        sample_->setRange(0, static_cast<int>(samples_.images.size()) - 1);
    }
    if (index < 0 || index >= static_cast<int>(samples_.images.size())) return;
    const int corruption = std::max(0, corruption_->findData(scan.request.corruption));
    const bool sameCorruption =
        scan.predictions.empty() ||
        (corruption_->currentIndex() == corruption && severity_->value() == scan.request.severity);
    if (!adopt && currentSample() == index && sameCorruption) return;  // already shown
    {
        const QSignalBlocker b1(sample_), b2(corruption_), b3(severity_);
        sample_->setValue(index);
        if (!scan.predictions.empty()) {
            corruption_->setCurrentIndex(corruption);
            severity_->setValue(scan.request.severity);
        }
    }
    custom_ = cv::Mat();
    refresh();
}

ScanRequest RobustnessPanel::scanRequest() const {
    ScanRequest r;
    r.demo = demo_;
    r.demoKey = demoKey_;
    r.corruption = corruption_->currentData().toString();
    r.severity = severity_->value();
    for (int i = 0; i < kColumns; ++i) {
        const QString dir = folders_[i]->text().trimmed();
        if (dir.isEmpty()) continue;
        const auto ckpt = find_best_checkpoint(dir.toStdString());
        if (!ckpt) continue;
        const QString path = QString::fromStdString(*ckpt);
        r.names << kShort[i];
        r.checkpoints << path;
        r.stamps << path + "@" + QFileInfo(path).lastModified().toString(Qt::ISODateWithMs);
    }
    return r;
}

}  // namespace tpgm::ui
