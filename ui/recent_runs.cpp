// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/recent_runs.h"

#include "runs/run_discovery.h"

#include <QDir>
#include <QSettings>

namespace tpgm::ui {
namespace {
constexpr char kKey[] = "runs/recent";
}

QStringList recentRuns() {
    QStringList out;
    for (const QString& dir : QSettings().value(kKey).toStringList())
        if (holds_run(dir.toStdString())) out << dir;
    return out;
}

void rememberRun(const QString& dir) {
    const QString clean = QDir(dir).absolutePath();
    QStringList list = QSettings().value(kKey).toStringList();
    list.removeAll(clean);
    list.prepend(clean);
    while (list.size() > kMaxRecentRuns) list.removeLast();
    QSettings().setValue(kKey, list);
}

void forgetRecentRuns() {
    QSettings().remove(kKey);
}

}  // namespace tpgm::ui
