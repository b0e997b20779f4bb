// SPDX-License-Identifier: GPL-3.0-or-later
// Names of runs: a run name that follows the method, and display names that tell apart runs
// whose folders share a name (tables and legends show the name, not the whole path).
#pragma once

#include <QString>
#include <QStringList>

namespace tpgm::ui {

// `name` with the method token `from` replaced by `to`, where it stands as a word between
// '-', '_' or '.' ("demo-tpgm" -> "demo-lp"); unchanged when it does not name `from`.
QString renameForMethod(const QString& name, const QString& from, const QString& to);
// `name`, or "name (2)", "name (3)", ... when `taken` already holds it.
QString uniqueDisplayName(const QString& name, const QStringList& taken);
// The absolute, clean path: one folder is one run, however it was named.
QString canonicalRunDir(const QString& dir);

}  // namespace tpgm::ui
