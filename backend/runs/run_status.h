// SPDX-License-Identifier: GPL-3.0-or-later
// How a run ended, as summary.json spells it and every front end reads it.
#pragma once

#include <optional>
#include <string_view>

namespace tpgm {

// The end of a run: it trained every step, a stop request ended it, or an error did (its last
// good checkpoint kept).
enum class RunStatus { Completed, Stopped, Failed };

// "completed", "stopped" or "failed".
constexpr std::string_view to_string(RunStatus status) {
    switch (status) {
        case RunStatus::Completed:
            return "completed";
        case RunStatus::Stopped:
            return "stopped";
        case RunStatus::Failed:
            return "failed";
    }
    return "failed";
}

// The status spelled `text`, or nullopt.
constexpr std::optional<RunStatus> parse_run_status(std::string_view text) {
    for (RunStatus s : {RunStatus::Completed, RunStatus::Stopped, RunStatus::Failed})
        if (to_string(s) == text) return s;
    return std::nullopt;
}

}  // namespace tpgm
