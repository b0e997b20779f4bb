// SPDX-License-Identifier: GPL-3.0-or-later
// The run folders this user opened or started lately (File > Open Recent Run), kept in QSettings
// so that they outlive the session.
#pragma once

#include <QStringList>

namespace tpgm::ui {

// Newest first, at most kMaxRecentRuns; folders that no longer hold a run are left out.
QStringList recentRuns();
// Puts `dir` first (once).
void rememberRun(const QString& dir);
void forgetRecentRuns();

inline constexpr int kMaxRecentRuns = 10;

}  // namespace tpgm::ui
