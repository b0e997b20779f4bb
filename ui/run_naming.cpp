// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/run_naming.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>

namespace tpgm::ui {

QString renameForMethod(const QString& name, const QString& from, const QString& to) {
    if (name.isEmpty() || from.isEmpty() || from == to) return name;
    // Whole tokens only: "ft" must not turn "shift-ft" into "shilp-lp".
    const QRegularExpression token("(^|[-_.])" + QRegularExpression::escape(from) + "(?=$|[-_.])");
    QString out = name;
    return out.replace(token, "\\1" + to);
}

QString uniqueDisplayName(const QString& name, const QStringList& taken) {
    if (!taken.contains(name)) return name;
    for (int k = 2;; ++k) {
        const QString candidate = QStringLiteral("%1 (%2)").arg(name).arg(k);
        if (!taken.contains(candidate)) return candidate;
    }
}

QString canonicalRunDir(const QString& dir) {
    return QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
}

}  // namespace tpgm::ui
