// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/run_series.h"

namespace tpgm::ui {

void RunSeries::append(const EventBatch& batch) {
    // Through RunRecord::apply, so that a resumed run's repeated steps replace the earlier ones
    // here as they do on disk.
    RunUpdate update;
    update.steps = batch.steps;
    update.evals = batch.evals;
    update.radii = batch.radii;
    update.logs = batch.logs;
    update.summary_changed = batch.finished.has_value();
    update.summary = batch.finished;
    record.apply(update);
}

QString RunSeries::status() const {
    if (record.summary) {
        const std::string_view text = to_string(record.summary->status);
        return QString::fromUtf8(text.data(), static_cast<int>(text.size()));
    }
    if (live && paused) return QStringLiteral("paused");
    if (live || follow) return QStringLiteral("running");
    return QStringLiteral("incomplete");
}

std::map<std::string, double> RunSeries::finalTop1() const {
    if (record.summary && !record.summary->final_top1.empty()) return record.summary->final_top1;
    if (!record.evals.empty()) return record.evals.back().top1;
    return {};
}

QColor runColor(int index) {
    static const QColor colors[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e),
                                    QColor(0x2c, 0xa0, 0x2c), QColor(0xd6, 0x27, 0x28),
                                    QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b),
                                    QColor(0xe3, 0x77, 0xc2), QColor(0x17, 0xbe, 0xcf)};
    return colors[index % 8];
}

}  // namespace tpgm::ui
