// SPDX-License-Identifier: GPL-3.0-or-later
// Reading a run folder back: whole (read_run) or as another process writes it (RunFollower).
// Torch-free: the UI includes it (through runs/run_store.h).
#pragma once

#include "runs/events.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tpgm {

// What one RunFollower::poll() found that earlier polls had not returned, in file order.
struct RunUpdate {
    bool restarted = false;  // the files were replaced or truncated: forget earlier updates
    std::vector<StepEvent> steps;
    std::vector<EvalEvent> evals;
    std::vector<RadiiSnapshot> radii;  // the first may continue the last one of the previous poll
    std::vector<LogEvent> logs;
    bool config_changed = false;  // then config_yaml is config.yaml's text ("" when absent)
    std::string config_yaml;
    bool summary_changed = false;  // then summary is summary.json's (nullopt when absent)
    std::optional<RunSummary> summary;
    bool empty() const;
};

// `dir`'s summary.json; nullopt when it is absent or unreadable.
std::optional<RunSummary> read_summary(const std::string& dir);

// A run folder read back, one entry per step (and per eval and radii step).
struct RunRecord {
    std::string dir;
    std::string config_yaml;
    std::vector<StepEvent> steps;
    std::vector<EvalEvent> evals;
    std::vector<RadiiSnapshot> radii;
    std::vector<LogEvent> logs;
    std::optional<RunSummary> summary;
    // Adds `update`. A step that comes again replaces the earlier one and every later one: the
    // run was resumed from an earlier checkpoint (folders written before RunStore::discard_after
    // existed repeat the steps after that checkpoint). Evals and radii steps follow the same rule.
    void apply(const RunUpdate& update);
};

namespace detail {
// Where a follower stopped reading one append-only file, and which file (device, inode) it was.
struct FileTail {
    std::uint64_t offset = 0, device = 0, inode = 0;
    bool seen = false;
};
// The identity of a file rewritten as a whole: a change of any field means new content.
struct FileStamp {
    bool exists = false;
    std::uint64_t size = 0, inode = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const FileStamp& o) const {
        return exists == o.exists && size == o.size && inode == o.inode && mtime_ns == o.mtime_ns;
    }
    bool operator!=(const FileStamp& o) const { return !(*this == o); }
};
}  // namespace detail

// Follows a run folder that may still be growing, reading only what is new: byte offsets into
// metrics.jsonl and radii.csv (a half-written last line waits for the next poll), summary.json
// and config.yaml re-read only when their size, mtime or inode change. A file that got shorter
// than the offset or was replaced (a fresh run restarted in the folder, discard_after) makes it
// start over and say so (RunUpdate::restarted).
class RunFollower {
  public:
    explicit RunFollower(std::string dir) : dir_(std::move(dir)) {}
    const std::string& dir() const { return dir_; }
    // Everything the first time, then what was written since the previous poll; a few stat
    // calls when nothing changed. Throws std::runtime_error when `dir` has no metrics.jsonl (not a
    // run folder, or one being restarted: the next successful poll then starts over).
    RunUpdate poll();

  private:
    void start_over(RunUpdate& update);
    std::string dir_;
    detail::FileTail metrics_, radii_;
    std::optional<detail::FileStamp> config_, summary_;  // nullopt: not read yet
    bool restart_pending_ = false;
};

// The whole folder at once (a RunFollower's first poll). Throws std::runtime_error when `dir`
// holds no run (no metrics.jsonl).
RunRecord read_run(const std::string& dir);

}  // namespace tpgm
