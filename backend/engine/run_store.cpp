// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/run_store.h"

#include "checkpoints/atomic_file.h"
#include "config/config_schema.h"
#include "engine/run_format.h"
#include "engine/run_tensorboard.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <algorithm>
#include <cctype>

#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace tpgm {
namespace fs = std::filesystem;

namespace {

std::string join(const std::string& dir, const char* name) {
    return (fs::path(dir) / name).string();
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

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

std::string RunPaths::config() const {
    return join(dir, "config.yaml");
}
std::string RunPaths::metrics() const {
    return join(dir, "metrics.jsonl");
}
std::string RunPaths::radii() const {
    return join(dir, "radii.csv");
}
std::string RunPaths::tb() const {
    return join(dir, "tb");
}
std::string RunPaths::summary() const {
    return join(dir, "summary.json");
}
std::string RunPaths::eval() const {
    return join(dir, "eval.json");
}
std::string RunPaths::wise() const {
    return join(dir, "wise.json");
}
std::string RunPaths::checkpoints() const {
    return join(dir, "checkpoints");
}
std::string RunPaths::checkpoint(const std::string& name) const {
    return (fs::path(checkpoints()) / (name + ".pt")).string();
}

std::string RunPaths::fork() const {
    return join(dir, "fork.json");
}
std::string RunPaths::step_checkpoint(int64_t step) const {
    return checkpoint("step-" + std::to_string(step));
}
std::vector<int64_t> RunPaths::step_checkpoints() const {
    std::vector<int64_t> steps;
    std::error_code ec;
    for (auto it = fs::directory_iterator(checkpoints(), ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind("step-", 0) != 0 || it->path().extension() != ".pt") continue;
        const std::string digits = name.substr(5, name.size() - 8);
        if (!digits.empty() && digits.size() < 19 &&
            std::all_of(digits.begin(), digits.end(),
                        [](unsigned char c) { return std::isdigit(c); }))
            steps.push_back(std::stoll(digits));
    }
    std::sort(steps.begin(), steps.end());
    return steps;
}

std::string config_file_text(const RunPaths& paths, const RunConfig& config) {
    std::string comments;
    if (const auto fork = run_format::parse_fork_json(read_file(paths.fork()))) {
        comments =
            "# forked from " + fork->parent + " at step " + std::to_string(fork->step) + "\n";
        for (const auto& change : fork->changes) comments += "#   changed " + change + "\n";
    }
    return comments + to_yaml(config);
}

bool fork_resets_method_state(const RunPaths& paths) {
    const auto fork = run_format::parse_fork_json(read_file(paths.fork()));
    return fork && fork->fresh_method_state;
}

void mark_fork_method_state_reset(const RunPaths& paths) {
    auto fork = run_format::parse_fork_json(read_file(paths.fork()));
    if (!fork) return;
    fork->fresh_method_state = false;
    fork->method_state_started_anew = true;
    write_file_atomically(paths.fork(), run_format::fork_json(*fork));
}

std::optional<std::string> find_best_checkpoint(const std::string& dir) {
    const RunPaths paths(dir);
    for (const std::string& path : {paths.final_checkpoint(), paths.last_checkpoint()}) {
        std::error_code ec;
        if (fs::exists(path, ec)) return path;
    }
    return std::nullopt;
}

std::string best_checkpoint(const std::string& dir) {
    if (auto path = find_best_checkpoint(dir)) return *path;
    throw std::runtime_error("run folder '" + dir +
                             "' has no checkpoint (neither checkpoints/final.pt nor "
                             "checkpoints/last.pt)");
}

std::string method_of_config(const std::string& yaml) {
    if (yaml.empty()) return {};
    try {
        return parse_config_yaml(yaml).method;
    } catch (const std::exception&) {
        return {};
    }
}

bool segmentation_of_config(const std::string& yaml) {
    if (yaml.empty()) return false;
    try {
        return is_segmentation_run(parse_config_yaml(yaml));
    } catch (const std::exception&) {
        return false;
    }
}

std::vector<std::string> find_runs(const std::string& parent, const std::string& method) {
    std::vector<std::string> runs;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(parent, ec)) {
        const RunPaths paths(entry.path().string());
        if (!entry.is_directory(ec) || !fs::exists(paths.config(), ec)) continue;
        const std::string m = method_of_config(read_file(paths.config()));
        if (!m.empty() && (method.empty() || m == method)) runs.push_back(paths.dir);
    }
    std::sort(runs.begin(), runs.end());
    return runs;
}

std::optional<std::string> newest_finished_run(const std::string& parent, const std::string& method,
                                               bool segmentation) {
    std::optional<std::string> best;
    fs::file_time_type best_time;
    for (const std::string& dir : find_runs(parent, method)) {
        if (segmentation_of_config(read_file(RunPaths(dir).config())) != segmentation) continue;
        std::error_code ec;
        const auto time = fs::last_write_time(RunPaths(dir).final_checkpoint(), ec);
        if (ec) continue;  // not completed
        if (!best || time > best_time) best = dir, best_time = time;
    }
    return best;
}

std::optional<EvalReport> read_eval_json(const std::string& dir) {
    const std::string path = RunPaths(dir).eval();
    std::error_code ec;
    if (!fs::exists(path, ec)) return std::nullopt;
    return run_format::parse_eval_json(read_file(path));
}

void write_eval_json(const std::string& dir, const EvalReport& report) {
    write_file_atomically(RunPaths(dir).eval(), run_format::eval_json(report));
}

std::optional<PathSweep> read_path_sweep(const std::string& dir) {
    const std::string path = RunPaths(dir).wise();
    std::error_code ec;
    if (!fs::exists(path, ec)) return std::nullopt;
    return run_format::parse_path_sweep_json(read_file(path));
}

void write_path_sweep(const std::string& dir, const PathSweep& sweep) {
    write_file_atomically(RunPaths(dir).wise(), run_format::path_sweep_json(sweep));
}

bool holds_run(const std::string& dir) {
    const RunPaths p(dir);
    std::error_code ec;
    for (const std::string& f :
         {p.config(), p.metrics(), p.summary(), p.last_checkpoint(), p.final_checkpoint()})
        if (fs::exists(f, ec)) return true;
    return false;
}

RunLock::RunLock(const std::string& dir) {
    fs::create_directories(dir);
    const std::string path = (fs::path(dir) / ".lock").string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("cannot create '" + path + "'");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = {};
        const ssize_t n = ::pread(fd_, pid, sizeof(pid) - 1, 0);
        ::close(fd_);
        fd_ = -1;
        std::string holder = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : "";
        holder.erase(holder.find_last_not_of(" \n") + 1);
        throw std::runtime_error("run folder '" + dir + "' is being written by another process" +
                                 (holder.empty() ? "" : " (PID " + holder + ")") +
                                 "; choose another run_dir or wait for it to finish");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
        // The lock holds without the PID; the message to a second writer just lacks it.
    }
}

RunLock::~RunLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock
}

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
    for (const std::string& line : complete_lines(read_file(paths_.metrics()))) {
        const auto e = run_format::parse_metrics_line(line);
        if (!e) continue;
        if ((e->kind == Kind::step || e->kind == Kind::eval) && e->step_number() > step) continue;
        metrics += line + '\n';
    }
    std::string radii = std::string(run_format::kRadiiHeader) + '\n';
    for (const std::string& line : complete_lines(read_file(paths_.radii()))) {
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
