// SPDX-License-Identifier: GPL-3.0-or-later
// Cancel's contract, the same for every background task of the window, checked one way in every
// suite: the task's BackgroundJob ends as cancelled, with no error, and runs no more.
#pragma once

#include "ui/jobs/background_job.h"

#include <QSignalSpy>
#include <QString>

// Waits up to `ms` for `job` to end (`ends` spies on its finished()); what breaks the contract,
// empty when it holds.
inline QString cancelProblem(QSignalSpy& ends, const tpgm::ui::BackgroundJob& job, int ms) {
    using Outcome = tpgm::ui::BackgroundJob::Outcome;
    if (ends.isEmpty() && !ends.wait(ms)) return QStringLiteral("the job did not end");
    if (ends.count() != 1) return QStringLiteral("the job ended %1 times").arg(ends.count());
    const auto outcome = ends.front().at(0).value<Outcome>();
    const QString error = ends.front().at(1).toString();
    if (outcome != Outcome::Cancelled)
        return QStringLiteral("the job ended as %1 (%2), not cancelled")
            .arg(static_cast<int>(outcome))
            .arg(error);
    if (!error.isEmpty()) return QStringLiteral("a cancelled job carries an error: ") + error;
    if (job.isRunning()) return QStringLiteral("the job still runs");
    return {};
}

// QVERIFY that `job` (spied on by `ends`) ends as cancelled within `ms`.
#define VERIFY_CANCELLED(ends, job, ms)                        \
    do {                                                       \
        const QString problem_ = cancelProblem(ends, job, ms); \
        QVERIFY2(problem_.isEmpty(), qPrintable(problem_));    \
    } while (false)
