// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/run_reader.h"

#include "files/atomic_file.h"
#include "runs/run_format.h"
#include "runs/run_paths.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tpgm {
namespace {

using detail::FileStamp;
using detail::FileTail;

enum class TailRead { ok, missing, replaced };

// Appends the complete lines written to `path` after `tail` to `lines` and moves `tail` past
// them; a half-written last line stays unread for the next call. POSIX calls rather than
// streams: the inode and size must belong to the very file that is read.
TailRead read_new_lines(const std::string& path, FileTail& tail, std::vector<std::string>& lines) {
    // O_NONBLOCK: a FIFO in place of a run file must not block the reader (the window's
    // follower); it is then not read at all.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return TailRead::missing;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return TailRead::missing;
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (tail.seen && (st.st_dev != tail.device || st.st_ino != tail.inode || size < tail.offset)) {
        ::close(fd);
        return TailRead::replaced;
    }
    tail = {tail.offset, static_cast<std::uint64_t>(st.st_dev),
            static_cast<std::uint64_t>(st.st_ino), true};
    std::string bytes;
    char buffer[1 << 16];
    for (off_t pos = static_cast<off_t>(tail.offset);;) {
        const ssize_t n = ::pread(fd, buffer, sizeof buffer, pos);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        bytes.append(buffer, static_cast<std::size_t>(n));
        pos += n;
    }
    ::close(fd);
    const std::size_t end = bytes.rfind('\n');
    if (end == std::string::npos) return TailRead::ok;
    for (std::size_t start = 0; start <= end;) {
        const std::size_t newline = bytes.find('\n', start);
        lines.emplace_back(bytes, start, newline - start);
        start = newline + 1;
    }
    tail.offset += end + 1;
    return TailRead::ok;
}

FileStamp stamp_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};
    return {true, static_cast<std::uint64_t>(st.st_size), static_cast<std::uint64_t>(st.st_ino),
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

// Drops the entries of `v` at or after `step`: the run went back to before them.
template <typename Event>
void rewind(std::vector<Event>& v, int64_t step) {
    while (!v.empty() && v.back().step >= step) v.pop_back();
}

}  // namespace

bool RunUpdate::empty() const {
    return !restarted && steps.empty() && evals.empty() && radii.empty() && logs.empty() &&
           !config_changed && !summary_changed;
}

void RunRecord::apply(const RunUpdate& u) {
    if (u.restarted) {
        RunRecord fresh;
        fresh.dir = dir;
        *this = std::move(fresh);
    }
    for (const StepEvent& e : u.steps) {
        rewind(steps, e.step);
        steps.push_back(e);
    }
    for (const EvalEvent& e : u.evals) {
        rewind(evals, e.step);
        evals.push_back(e);
    }
    // An eval follows its step in metrics.jsonl, so one past the last step was made by steps
    // that a resumed run has since replaced.
    while (!steps.empty() && !evals.empty() && evals.back().step > steps.back().step)
        evals.pop_back();
    for (const RadiiSnapshot& r : u.radii) {
        RadiiSnapshot* last = radii.empty() ? nullptr : &radii.back();
        // The rest of a snapshot whose first rows an earlier poll read: same step, and not its
        // first name again (which would be the same step written a second time).
        if (last && last->step == r.step && !last->names.empty() && !r.names.empty() &&
            last->names.front() != r.names.front()) {
            last->names.insert(last->names.end(), r.names.begin(), r.names.end());
            last->radius.insert(last->radius.end(), r.radius.begin(), r.radius.end());
            last->distance.insert(last->distance.end(), r.distance.begin(), r.distance.end());
            last->activity.insert(last->activity.end(), r.activity.begin(), r.activity.end());
            continue;
        }
        rewind(radii, r.step);
        radii.push_back(r);
    }
    logs.insert(logs.end(), u.logs.begin(), u.logs.end());
    if (u.config_changed) config_yaml = u.config_yaml;
    if (u.summary_changed) summary = u.summary;
}

void RunFollower::start_over(RunUpdate& update) {
    update = RunUpdate{};
    update.restarted = true;
    metrics_ = radii_ = {};
    config_.reset();
    summary_.reset();
    restart_pending_ = false;
}

RunUpdate RunFollower::poll() {
    const RunPaths paths(dir_);
    RunUpdate u;
    if (restart_pending_) start_over(u);
    std::vector<std::string> metric_lines, radii_lines;
    // At most twice: after start_over no file can count as replaced.
    for (;;) {
        metric_lines.clear();
        radii_lines.clear();
        const TailRead m = read_new_lines(paths.metrics(), metrics_, metric_lines);
        if (m == TailRead::missing) {
            if (metrics_.seen) restart_pending_ = true;
            throw std::runtime_error("'" + dir_ + "' is not a run folder (no metrics.jsonl)");
        }
        TailRead r = m;
        if (m == TailRead::ok) r = read_new_lines(paths.radii(), radii_, radii_lines);
        if (r == TailRead::missing && radii_.seen) r = TailRead::replaced;
        if (r != TailRead::replaced) break;
        start_over(u);
    }
    for (const std::string& line : metric_lines) {
        const auto e = run_format::parse_metrics_line(line);
        if (!e) continue;  // not JSON: damage from a crash, skipped as before
        using Kind = run_format::MetricsEntry::Kind;
        if (e->kind == Kind::step) u.steps.push_back(e->step);
        if (e->kind == Kind::eval) u.evals.push_back(e->eval);
        if (e->kind == Kind::log) u.logs.push_back(e->log);
    }
    for (const std::string& line : radii_lines) {
        const auto row = run_format::parse_radii_row(line);
        if (!row) continue;  // the header
        if (u.radii.empty() || u.radii.back().step != row->step ||
            u.radii.back().names.front() == row->name)
            u.radii.push_back({row->step, {}, {}, {}});
        u.radii.back().names.push_back(row->name);
        u.radii.back().radius.push_back(row->radius);
        u.radii.back().distance.push_back(row->distance);
        if (row->activity) u.radii.back().activity.push_back(*row->activity);
    }
    const FileStamp config = stamp_of(paths.config());
    if (config_ != config) {
        u.config_changed = true;
        u.config_yaml = config.exists ? read_text_file(paths.config()) : "";
        config_ = config;
    }
    const FileStamp summary = stamp_of(paths.summary());
    if (summary_ != summary) {
        std::optional<RunSummary> s;
        if (summary.exists) s = run_format::parse_summary_json(read_text_file(paths.summary()));
        // An unreadable summary.json (it is written atomically, so hardly ever) is read again
        // at the next poll.
        if (s || !summary.exists) {
            u.summary_changed = true;
            u.summary = s;
            summary_ = summary;
        }
    }
    return u;
}

std::optional<RunSummary> read_summary(const std::string& dir) {
    return run_format::parse_summary_json(read_text_file(RunPaths(dir).summary()));
}

RunRecord read_run(const std::string& dir) {
    RunRecord record;
    record.dir = dir;
    record.apply(RunFollower(dir).poll());
    return record;
}

}  // namespace tpgm
