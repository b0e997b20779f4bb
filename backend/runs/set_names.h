// SPDX-License-Identifier: GPL-3.0-or-later
// The names evaluation results are keyed by (metrics.jsonl, eval.json, summary.json): the ID
// test set, the two aggregates, and the data splits. OOD sets use their own names.
#pragma once

#include <string_view>

namespace tpgm {

inline constexpr char kIdSet[] = "id";                        // the ID test split
inline constexpr char kOodMean[] = "ood_mean";                // over every OOD set
inline constexpr char kCorruptionMean[] = "corruption_mean";  // over the corruption sets
inline constexpr const char* kHeadlineSets[] = {kIdSet, kOodMean, kCorruptionMean};  // in order

// Whether `name` is one of the aggregates rather than a scored set.
constexpr bool is_aggregate_set(std::string_view name) {
    return name == kOodMean || name == kCorruptionMean;
}
// Whether `name` is the ID set or an aggregate: no OOD set may be called that.
constexpr bool is_headline_set(std::string_view name) {
    return name == kIdSet || is_aggregate_set(name);
}

}  // namespace tpgm
