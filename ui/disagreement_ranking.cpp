// SPDX-License-Identifier: GPL-3.0-or-later
// Ranking and captions of the disagreement gallery (see disagreement_ranking.h).
#include "ui/disagreement_ranking.h"

#include <QCoreApplication>

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <tuple>

namespace tpgm::ui {

namespace {
QString tr(const char* text) {
    return QCoreApplication::translate("DisagreementGallery", text);
}
QString columnName(const QStringList& names, int column) {
    return column < names.size() ? names[column] : tr("run %1").arg(column + 1);
}
}  // namespace

std::vector<Disagreement> rank_disagreements(const std::vector<std::vector<int>>& predictions,
                                             const std::vector<int>& labels) {
    if (predictions.size() != labels.size())
        throw std::invalid_argument("rank_disagreements: " + std::to_string(predictions.size()) +
                                    " prediction rows for " + std::to_string(labels.size()) +
                                    " labels");
    std::vector<Disagreement> out;
    if (predictions.empty()) return out;
    const size_t columns = predictions.front().size();
    for (const auto& row : predictions)
        if (row.size() != columns)
            throw std::invalid_argument("rank_disagreements: rows of different lengths");
    if (columns < 2) return out;
    for (size_t i = 0; i < predictions.size(); ++i) {
        const auto& row = predictions[i];
        if (std::all_of(row.begin(), row.end(), [&](int p) { return p == row.front(); })) continue;
        Disagreement d;
        d.index = static_cast<int>(i);
        for (int p : row) d.right.push_back(p == labels[i]);
        const bool last = d.right[columns - 1], previous = d.right[columns - 2];
        const bool any = std::find(d.right.begin(), d.right.end(), true) != d.right.end();
        if (last && !previous)
            d.kind = SplitKind::LastRight;
        else if (previous && !last)
            d.kind = SplitKind::PreviousRight;
        else if (any)
            d.kind = SplitKind::OtherSplit;
        else
            d.kind = SplitKind::AllWrongDifferent;
        out.push_back(std::move(d));
    }
    const auto key = [](const Disagreement& d) {
        return std::make_tuple(static_cast<int>(d.kind),
                               std::count(d.right.begin(), d.right.end(), true), d.index);
    };
    std::sort(out.begin(), out.end(),
              [&](const Disagreement& a, const Disagreement& b) { return key(a) < key(b); });
    return out;
}

std::vector<Disagreement> filter_disagreements(const std::vector<Disagreement>& ranked,
                                               std::optional<SplitKind> kind) {
    if (!kind) return ranked;
    std::vector<Disagreement> out;
    std::copy_if(ranked.begin(), ranked.end(), std::back_inserter(out),
                 [&](const Disagreement& d) { return d.kind == *kind; });
    return out;
}

std::vector<int> count_by_kind(const std::vector<Disagreement>& ranked) {
    std::vector<int> counts(kSplitKinds, 0);
    for (const auto& d : ranked) ++counts[static_cast<int>(d.kind)];
    return counts;
}

QString split_marks(const std::vector<bool>& right, const QStringList& names) {
    QStringList parts;
    for (int c = static_cast<int>(right.size()) - 1; c >= 0; --c)
        parts << columnName(names, c) + (right[c] ? " ✓" : " ✗");
    return parts.join(' ');
}

QString split_title(SplitKind kind, const QStringList& names) {
    const int n = static_cast<int>(names.size());
    const QString last = columnName(names, std::max(0, n - 1));
    const QString previous = columnName(names, std::max(0, n - 2));
    switch (kind) {
        case SplitKind::LastRight:
            return QStringLiteral("%1 ✓ %2 ✗").arg(last, previous);
        case SplitKind::PreviousRight:
            return QStringLiteral("%1 ✓ %2 ✗").arg(previous, last);
        case SplitKind::OtherSplit:
            return tr("other right/wrong splits");
        case SplitKind::AllWrongDifferent:
            return tr("all wrong, different answers");
    }
    return {};
}

}  // namespace tpgm::ui
