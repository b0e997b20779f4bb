// SPDX-License-Identifier: GPL-3.0-or-later
// One run as the plots see it: its record (live from the training thread, or read from a run
// folder), its colour and whether it is shown.
#pragma once

#include "runs/run_reader.h"
#include "ui/live_buffer.h"

#include <QColor>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

namespace tpgm::ui {

struct RunSeries {
    QString name;
    QString dir;
    QColor color;
    QString method;             // ft | lp | tpgm, from the run's config
    bool segmentation = false;  // scores are mean IoU and pixel accuracy (a segmentation run)
    bool live = false;          // fed by this window's training thread
    bool follow = false;        // re-read from disk while its folder changes
    bool visible = true;
    bool paused = false;                  // the live run waits for Resume
    std::optional<RunFollower> follower;  // reads what the folder gained since the last poll
    RunRecord record;

    // Appends a drained batch of live events.
    void append(const EventBatch& batch);
    // The newest radii snapshot, or nullptr.
    const RadiiSnapshot* lastRadii() const {
        return record.radii.empty() ? nullptr : &record.radii.back();
    }
    // Status for tables: the summary's, or "running", "paused" or "incomplete".
    QString status() const;
    // Final top-1 accuracy per set: the summary's, else the last evaluation's.
    std::map<std::string, double> finalTop1() const;
};

using RunPtr = std::shared_ptr<RunSeries>;
using RunList = std::vector<RunPtr>;

// A distinct colour for the i-th run.
QColor runColor(int index);

}  // namespace tpgm::ui
