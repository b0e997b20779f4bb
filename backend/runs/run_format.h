// SPDX-License-Identifier: GPL-3.0-or-later
// The byte format of a run folder's files, in one place so that the writer (RunStore), the reader
// (RunFollower) and discard_after cannot disagree. Internal to the engine: the rest of the
// project uses runs/run_store.h and runs/run_reader.h.
#pragma once

#include "runs/events.h"
#include "runs/run_files.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tpgm::run_format {

// First line of radii.csv.
inline constexpr const char* kRadiiHeader = "step,name,radius,distance,activity";

// One metrics.jsonl line (JSON object + '\n') per event.
std::string metrics_line(const StepEvent& e);
std::string metrics_line(const EvalEvent& e);
std::string metrics_line(const LogEvent& e);
// One radii.csv row per constrained tensor.
std::string radii_rows(const RadiiSnapshot& r);

// What one metrics.jsonl line holds; `kind` says which member is filled.
struct MetricsEntry {
    enum class Kind { step, eval, log, other } kind = Kind::other;
    StepEvent step;
    EvalEvent eval;
    LogEvent log;
    int64_t step_number() const { return kind == Kind::eval ? eval.step : step.step; }
};
// nullopt when `line` is not a JSON object (e.g. garbage left by a crash).
std::optional<MetricsEntry> parse_metrics_line(const std::string& line);

// One radii.csv row.
struct RadiiRow {
    int64_t step = 0;
    std::string name;
    double radius = 0;
    double distance = 0;
    std::optional<double> activity;  // empty cell, or a file from before the column existed
};
// nullopt for the header and malformed rows.
std::optional<RadiiRow> parse_radii_row(const std::string& line);

std::string summary_json(const RunSummary& s);
// nullopt when `text` is not a JSON object.
std::optional<RunSummary> parse_summary_json(const std::string& text);

std::string eval_json(const EvalReport& r);
// nullopt when `text` is not a JSON object.
std::optional<EvalReport> parse_eval_json(const std::string& text);

std::string path_sweep_json(const PathSweep& s);
// nullopt when the text is not a sweep: no points, or a set whose values do not match them.
std::optional<PathSweep> parse_path_sweep_json(const std::string& text);

// fork.json: the run a fork continues, the step, the changed settings ("optim.lr: 0.05 -> 0.5"),
// and whether its method state starts anew at its first start (then cleared, and
// method_state_started_anew says it did).
struct ForkRecord {
    std::string parent;
    int64_t step = 0;
    std::vector<std::string> changes;
    bool fresh_method_state = false;
    bool method_state_started_anew = false;
};
std::string fork_json(const ForkRecord& f);
// nullopt when `text` is not a fork record (no parent or step).
std::optional<ForkRecord> parse_fork_json(const std::string& text);

}  // namespace tpgm::run_format
