// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/run_store.h"

#include "config/config_schema.h"
#include "files/atomic_file.h"
#include "runs/fork_marker.h"
#include "runs/run_format.h"
#include "runs/run_tensorboard.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace tpgm {
namespace fs = std::filesystem;

namespace {

// The complete lines of `text`; a last line without its newline (cut off by a crash) is left out.
std::vector<std::string> complete_lines(const std::string& text) {
    std::vector<std::string> lines;
    for (std::size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
         start = end + 1)
        lines.push_back(text.substr(start, end - start));
    return lines;
}

// Whether `path` exists and its last byte is not a newline.
bool ends_mid_line(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in || in.tellg() <= 0) return false;
    in.seekg(-1, std::ios::end);
    return in.get() != '\n';
}

}  // namespace

RunStore::RunStore(std::string dir, bool resume) : paths_(std::move(dir)), rebuild_tb_(resume) {
    fs::create_directories(paths_.checkpoints());
    // Temporary files of atomic writes (NAME.tmp.PID) that a killed writer left: the run
    // folder's one writer is this process now (RunLock), so none of them is in use.
    for (const std::string& folder : {paths_.dir, paths_.checkpoints()}) {
        std::error_code ec;
        for (auto it = fs::directory_iterator(folder, ec); !ec && it != fs::directory_iterator();
             it.increment(ec)) {
            const std::string name = it->path().filename().string();
            const auto tmp = name.rfind(".tmp.");
            if (tmp != std::string::npos && tmp + 5 < name.size() &&
                name.find_first_not_of("0123456789", tmp + 5) == std::string::npos &&
                it->is_regular_file(ec))
                fs::remove(it->path(), ec);
        }
    }
    if (!resume) {
        for (const std::string& f :
             {paths_.metrics(), paths_.radii(), paths_.summary(), paths_.config(), paths_.eval(),
              paths_.wise(), paths_.last_checkpoint(), paths_.final_checkpoint(), paths_.fork()})
            fs::remove(f);
        for (int64_t step : paths_.step_checkpoints()) fs::remove(paths_.step_checkpoint(step));
        remove_event_files(paths_.tb());
    }
    open_streams();
}

RunStore::~RunStore() = default;

RunTensorBoard& RunStore::tb() {
    if (!tb_)
        tb_ = rebuild_tb_ ? rebuild_tensorboard(paths_.dir)
                          : std::make_unique<RunTensorBoard>(paths_.tb(), wall_clock_seconds());
    rebuild_tb_ = false;
    return *tb_;
}

void RunStore::open_streams() {
    const bool new_radii = !fs::exists(paths_.radii());
    const bool metrics_cut = ends_mid_line(paths_.metrics());
    const bool radii_cut = ends_mid_line(paths_.radii());
    metrics_.open(paths_.metrics(), std::ios::app);
    radii_.open(paths_.radii(), std::ios::app);
    if (!metrics_ || !radii_)
        throw std::runtime_error("cannot write run folder '" + paths_.dir + "'");
    // A run killed mid-line left half a line: end it, so that it stays one unreadable line
    // (skipped by readers, dropped by discard_after) instead of swallowing the next event.
    if (metrics_cut) metrics_ << '\n' << std::flush;
    if (radii_cut) radii_ << '\n' << std::flush;
    if (new_radii) radii_ << run_format::kRadiiHeader << '\n' << std::flush;
    check_appended(metrics_, paths_.metrics());
    check_appended(radii_, paths_.radii());
}

void RunStore::write_config(const RunConfig& config) {
    const std::string yaml = config_file_text(paths_, config);
    RunTensorBoard& board = tb();  // before the write: a rebuild must not see this event yet
    write_file_atomically(paths_.config(), yaml);
    board.config(yaml, wall_clock_seconds());
}

void RunStore::append(const StepEvent& e) {
    StepEvent timed = e;
    if (timed.wall_time <= 0) timed.wall_time = wall_clock_seconds();
    RunTensorBoard& board = tb();
    metrics_ << run_format::metrics_line(timed) << std::flush;
    check_appended(metrics_, paths_.metrics());
    board.step(timed);
}

void RunStore::append(const EvalEvent& e) {
    EvalEvent timed = e;
    if (timed.wall_time <= 0) timed.wall_time = wall_clock_seconds();
    RunTensorBoard& board = tb();
    metrics_ << run_format::metrics_line(timed) << std::flush;
    check_appended(metrics_, paths_.metrics());
    board.eval(timed);
}

void RunStore::append(const RadiiSnapshot& r) {
    RunTensorBoard& board = tb();
    radii_ << run_format::radii_rows(r) << std::flush;
    check_appended(radii_, paths_.radii());
    board.radii(r, wall_clock_seconds());
}

void RunStore::append(const LogEvent& e) {
    metrics_ << run_format::metrics_line(e) << std::flush;
    check_appended(metrics_, paths_.metrics());
}

void RunStore::write_summary(const RunSummary& s) {
    write_file_atomically(paths_.summary(), run_format::summary_json(s));
}

void RunStore::discard_after(int64_t step) {
    using Kind = run_format::MetricsEntry::Kind;
    std::string metrics;
    for (const std::string& line : complete_lines(read_text_file(paths_.metrics()))) {
        const auto e = run_format::parse_metrics_line(line);
        if (!e) continue;
        if ((e->kind == Kind::step || e->kind == Kind::eval) && e->step_number() > step) continue;
        metrics += line + '\n';
    }
    std::string radii = std::string(run_format::kRadiiHeader) + '\n';
    for (const std::string& line : complete_lines(read_text_file(paths_.radii()))) {
        const auto row = run_format::parse_radii_row(line);
        if (row && row->step <= step) radii += line + '\n';
    }
    // The streams must follow the files to their new inodes, also when a write fails.
    metrics_.close();
    radii_.close();
    try {
        write_file_atomically(paths_.metrics(), metrics);
        write_file_atomically(paths_.radii(), radii);
    } catch (...) {
        open_streams();
        throw;
    }
    open_streams();
    tb_.reset();  // tb/ is rebuilt from the rewritten files on the next event
    rebuild_tb_ = true;
}

}  // namespace tpgm
