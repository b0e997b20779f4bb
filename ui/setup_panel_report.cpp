// SPDX-License-Identifier: GPL-3.0-or-later
// The setup panel's checkpoint report (see setup_panel.h): what loading the pretrained file into
// the chosen model would load, skip and replace, read as a BackgroundJob a moment after the last
// edit of the keys it depends on.
#include "ui/setup_panel.h"

#include "facade/checkpoint_report.h"
#include "ui/jobs/background_job.h"

#include <QLabel>

namespace tpgm::ui {

void SetupPanel::scheduleReport() {
    const RunConfig c = config();
    const QString key = QString::fromStdString(
        c.pretrained + "|" + c.model + "|" + c.data + "|" + std::to_string(c.demo.width) + "|" +
        c.folders.train + "|" + c.folders.class_list + "|" + c.lists.train + "|" + c.lists.classes);
    if (key == reportKey_) return;
    reportKey_ = key;
    if (c.pretrained.empty()) {
        // Nothing to read: at once, on this thread; a read under way is no longer wanted.
        reportTimer_.stop();
        reportJob_->cancel();
        reportPending_ = false;
        const auto r = facade::checkpoint_report(c);
        report_->setText(QString::fromStdString(r.ok ? r.note : r.error));
        report_->setToolTip(QString());
        report_->setStyleSheet("font-size: small;");
        reportError_ = r.ok ? QString() : QString::fromStdString(r.error);
        emit checkpointReportReady(r.ok);
        return;
    }
    reportPending_ = true;
    report_->setText(tr("Reading the checkpoint…"));
    report_->setStyleSheet("font-size: small; color: gray;");
    reportTimer_.start();
}

void SetupPanel::startReport() {
    if (reportJob_->isRunning()) {
        // One read at a time: the one under way is out of date; the newest starts when it ends.
        reportJob_->cancel();
        return;
    }
    const RunConfig c = config();
    reportJob_->run(
        [c](JobContext& job) {
            facade::CheckpointReport r = facade::checkpoint_report(c);
            job.checkStop();  // a read cannot be cut short, but a cancelled one is not shown
            return r;
        },
        [this, key = reportKey_](JobResult<facade::CheckpointReport> result) {
            showReport(key, std::move(result));
        });
}

void SetupPanel::cancelCheckpointReport() {
    if (!reportPending_) return;
    reportTimer_.stop();
    reportJob_->cancel();
    reportPending_ = false;
    reportKey_.clear();  // the next edit reads it again
    report_->setText(tr("Reading the checkpoint was cancelled."));
    report_->setStyleSheet("font-size: small; color: gray;");
}

void SetupPanel::showReport(const QString& key, JobResult<facade::CheckpointReport> result) {
    if (result.cancelled() || key != reportKey_) {
        // Superseded by a newer path or model: read that one, unless its timer will.
        if (reportPending_ && !reportTimer_.isActive()) startReport();
        return;
    }
    reportPending_ = false;
    facade::CheckpointReport r;
    if (result.ok()) {
        r = std::move(*result.value);
    } else {
        r.ok = false;
        r.error = result.error.toStdString();
    }
    QStringList lines;
    if (r.ok) {
        lines << QString::fromStdString(r.summary());
        int shown = 0;
        for (const auto& [name, why] : r.skipped) {
            if (name.rfind(r.head, 0) == 0) continue;  // the head is replaced anyway
            if (shown++ == 3) {
                lines << tr("… (see tooltip)");
                break;
            }
            lines << tr("skipped %1: %2")
                         .arg(QString::fromStdString(name), QString::fromStdString(why));
        }
        if (!r.note.empty()) lines << QString::fromStdString(r.note);
    } else {
        lines << QString::fromStdString(r.error);
    }
    report_->setText(lines.join("\n"));
    report_->setToolTip(QString::fromStdString(r.text()));
    report_->setStyleSheet(r.ok ? "font-size: small;" : "font-size: small; color: #e0443e;");
    // A checkpoint that will not load keeps Start disabled, as any other problem does.
    reportError_ = r.ok ? QString() : QString::fromStdString(r.error);
    revalidate();
    emit checkpointReportReady(r.ok);
}

}  // namespace tpgm::ui
