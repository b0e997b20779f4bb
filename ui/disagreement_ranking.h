// SPDX-License-Identifier: GPL-3.0-or-later
// Which test images a set of runs disagrees on, most telling first: pure functions of the runs'
// top-1 predictions and the true labels, for the robustness demo's disagreement gallery.
#pragma once

#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace tpgm::ui {

// How the columns' top-1 predictions split on one image, in the gallery's order. "Last" is the
// last column (TPGM), "previous" the one before it (vanilla FT).
enum class SplitKind {
    LastRight,          // last right, previous wrong (TPGM ✓ FT ✗)
    PreviousRight,      // previous right, last wrong (FT ✓ TPGM ✗)
    OtherSplit,         // some right, some wrong, the last two alike (e.g. LP ✓ FT ✗ TPGM ✗)
    AllWrongDifferent,  // every column wrong, not all with the same class
};
inline constexpr int kSplitKinds = 4;

// One image the columns disagree on.
struct Disagreement {
    int index = 0;  // row of the prediction matrix (the test image)
    SplitKind kind = SplitKind::LastRight;
    std::vector<bool> right;  // per column: top-1 equals the label
};

// The rows of `predictions` ([image][column], top-1 classes) whose columns do not all agree,
// ranked by kind (SplitKind order), then fewest right columns, then image index. Rows on which
// every column gives the same class (all right, or all wrong alike) are left out; with fewer
// than two columns nothing disagrees. Throws std::invalid_argument when `labels` and the rows
// differ in number or the rows differ in length.
std::vector<Disagreement> rank_disagreements(const std::vector<std::vector<int>>& predictions,
                                             const std::vector<int>& labels);
// The entries of `kind` (every entry when nullopt), in their order.
std::vector<Disagreement> filter_disagreements(const std::vector<Disagreement>& ranked,
                                               std::optional<SplitKind> kind);
// How many entries of each kind, indexed by SplitKind.
std::vector<int> count_by_kind(const std::vector<Disagreement>& ranked);
// Right/wrong marks from the last column to the first, e.g. "TPGM ✓ FT ✗ LP ✓".
QString split_marks(const std::vector<bool>& right, const QStringList& names);
// A kind's title for the filter, e.g. "TPGM ✓ FT ✗" or "all wrong, different answers".
QString split_title(SplitKind kind, const QStringList& names);

}  // namespace tpgm::ui
