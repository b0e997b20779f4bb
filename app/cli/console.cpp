// SPDX-License-Identifier: GPL-3.0-or-later
#include "console.h"

#include "runs/run_paths.h"
#include "runs/set_names.h"

#include "config/config_schema.h"
#include "config/data_sources.h"
#include "engine/trainer.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace {
constexpr int kBarWidth = 28;                              // characters of the bar itself
constexpr std::chrono::milliseconds kRedrawInterval{100};  // at most 10 redraws a second

std::string bar(int64_t done, int64_t total) {
    const int filled = total > 0 ? static_cast<int>(kBarWidth * done / total) : 0;
    return "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '-') + "]";
}
}  // namespace

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const long s = std::lround(seconds);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

ConsoleSink::ConsoleSink(bool quiet) : tty_(isatty(STDERR_FILENO)), quiet_(quiet) {}

void ConsoleSink::on_started(const tpgm::StartedEvent& e) {
    device_ = e.device;
}

void ConsoleSink::draw(const std::string& line, bool final) {
    if (quiet_) return;
    if (tty_) {
        const auto now = std::chrono::steady_clock::now();
        if (!final && now - last_draw_ < kRedrawInterval) return;
        last_draw_ = now;
        std::cerr << "\r\033[K" << line << (final ? "\n" : "") << std::flush;
        bar_open_ = !final;
    } else {
        std::cerr << line << "\n";
    }
}

void ConsoleSink::on_step(const tpgm::StepEvent& e) {
    std::ostringstream line;
    line << bar(e.step, e.total_steps) << " step " << e.step << "/" << e.total_steps << "  epoch "
         << e.epoch + 1 << "  loss " << std::fixed << std::setprecision(4) << e.loss << "  "
         << std::setprecision(0) << e.images_per_sec << " img/s  ETA "
         << format_duration(e.eta_seconds);
    const int decile = static_cast<int>(10 * e.step / std::max<int64_t>(1, e.total_steps));
    if (tty_ || decile != last_decile_ || e.step == e.total_steps) {
        last_decile_ = decile;
        draw(line.str(), !tty_ || e.step == e.total_steps);
    }
}

void ConsoleSink::on_eval(const tpgm::EvalEvent& e) {
    if (quiet_) return;
    std::ostringstream line;
    line << "eval at step " << e.step << ": ID " << std::fixed << std::setprecision(1)
         << 100 * e.top1.at(tpgm::kIdSet);
    if (e.top1.count(tpgm::kOodMean)) line << "%, OOD mean " << 100 * e.top1.at(tpgm::kOodMean);
    line << "%";
    if (bar_open_) std::cerr << "\r\033[K";
    std::cerr << line.str() << "\n";
    bar_open_ = false;
}

void ConsoleSink::on_log(const tpgm::LogEvent& e) {
    if (quiet_ && e.level == "info") return;
    if (bar_open_) std::cerr << "\r\033[K";
    std::cerr << (e.level == "info" ? "" : e.level + ": ") << e.message << "\n";
    bar_open_ = false;
}

void ConsoleSink::on_progress(const std::string& phase, int64_t done, int64_t total) {
    if (phase.rfind(tpgm::kEvaluationPhase, 0) == 0) {
        // One transient line on a terminal; a log gets the eval line that follows instead.
        if (tty_ && done < total) draw(phase + " " + bar(done, total), false);
        return;
    }
    std::ostringstream line;
    line << phase << " " << bar(done, total) << " " << done << "/" << total;
    const int decile = static_cast<int>(10 * done / std::max<int64_t>(1, total));
    if (tty_ || decile != last_decile_ || done == total) {
        last_decile_ = decile;
        draw(line.str(), !tty_ || done == total);
    }
}

void ConsoleSink::on_finished(const tpgm::RunSummary& s) {
    if (bar_open_) std::cerr << "\n";
    bar_open_ = false;
}

namespace {

tpgm::RunControl* g_control = nullptr;
volatile std::sig_atomic_t g_signal = SIGINT;  // the signal that stopped the run

void on_interrupt(int sig) {
    g_signal = sig;
    if (g_control && !g_control->stop_requested()) {
        g_control->request_stop();  // first Ctrl-C: stop after this step, keep the checkpoint
    } else {
        std::_Exit(128 + sig);
    }
}

}  // namespace

StopOnSignals::StopOnSignals(tpgm::RunControl& control) {
    g_signal = SIGINT;
    g_control = &control;
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    std::signal(SIGHUP, on_interrupt);  // a closed terminal: stop with a checkpoint
}

StopOnSignals::~StopOnSignals() {
    g_control = nullptr;
}

int StopOnSignals::exit_code() const {
    return 128 + g_signal;
}

int train_in_foreground(const tpgm::RunConfig& config, bool quiet) {
    ConsoleSink sink(quiet);
    tpgm::RunControl control;
    const StopOnSignals signals(control);
    const tpgm::RunSummary s = tpgm::run_training(config, sink, control);
    const int code = s.status == tpgm::RunStatus::Completed ? 0
                     : s.status == tpgm::RunStatus::Failed  ? 1
                                                            : signals.exit_code();
    if (s.rank != 0) return code;  // rank 0 reports the run; the others' errors were logged
    std::cout << "\n"
              << config.method << " run " << tpgm::to_string(s.status) << " after " << s.steps
              << " steps in " << format_duration(s.seconds)
              << (sink.device().empty() ? "" : " on " + sink.device())
              << "; run folder: " << s.run_dir << "\n";
    if (!s.message.empty()) std::cout << s.message << "\n";
    if (!s.final_top1.empty()) {
        std::cout << "\n";
        print_accuracy_table(std::cout, s.final_top1, s.final_top5,
                             tpgm::is_segmentation_run(config));
    }
    return code;
}

tpgm::RunConfig resolve_config(const std::string& config_path,
                               const std::vector<std::string>& overrides) {
    try {
        tpgm::RunConfig config =
            config_path.empty() ? tpgm::RunConfig{} : tpgm::load_config_file(config_path);
        for (const auto& o : overrides) tpgm::apply_override(config, o);
        if (config.resume && config_path.empty()) {
            // --resume without -c: the run's own settings, with the overrides on top (the
            // engine refuses overrides that may not change mid-run).
            const std::string run_dir = config.run_dir;
            const std::string own = tpgm::RunPaths(run_dir).config();
            if (!std::filesystem::exists(own))
                throw tpgm::ConfigError("no run to resume in '" + run_dir +
                                        "' (it has no config.yaml)");
            config = tpgm::load_config_file(own);
            config.run_dir = run_dir;
            for (const auto& o : overrides) tpgm::apply_override(config, o);
        }
        tpgm::validate_or_throw(config);
        return config;
    } catch (const tpgm::ConfigError& e) {
        std::cerr << "error: " << e.what() << "\n";
        std::exit(2);
    }
}

void print_class_iou_table(std::ostream& out, const tpgm::ClassIoU& iou) {
    std::vector<std::string> sets;
    if (iou.sets.count(tpgm::kIdSet)) sets.push_back(tpgm::kIdSet);
    for (const auto& [name, _] : iou.sets)
        if (name != tpgm::kIdSet) sets.push_back(name);
    std::size_t label = 5;  // "class"
    for (const auto& name : iou.classes) label = std::max(label, name.size());
    out << std::left << std::setw(int(label) + 2) << "class" << std::right;
    for (const auto& set : sets)
        out << std::setw(int(std::max<std::size_t>(7, set.size() + 2)))
            << (set == tpgm::kIdSet ? "ID" : set);
    out << "\n" << std::fixed << std::setprecision(1);
    for (std::size_t c = 0; c < iou.classes.size(); ++c) {
        out << std::left << std::setw(int(label) + 2) << iou.classes[c] << std::right;
        for (const auto& set : sets) {
            const auto& values = iou.sets.at(set);
            const int width = int(std::max<std::size_t>(7, set.size() + 2));
            if (c < values.size() && !std::isnan(values[c]))
                out << std::setw(width) << 100 * values[c];
            else
                out << std::setw(width) << "-";
        }
        out << "\n";
    }
}

void print_accuracy_table(std::ostream& out, const std::map<std::string, double>& top1,
                          const std::map<std::string, double>& top5, bool segmentation) {
    // ID first, the aggregates last, the OOD sets in between.
    std::vector<std::string> order{tpgm::kIdSet};
    for (const auto& [name, _] : top1)
        if (!tpgm::is_headline_set(name)) order.push_back(name);
    for (const char* agg : {tpgm::kCorruptionMean, tpgm::kOodMean})
        if (top1.count(agg)) order.push_back(agg);
    // A segmentation run keeps mean IoU and pixel accuracy where top-1 and top-5 would be.
    out << std::left << std::setw(20) << "set" << std::right << std::setw(8)
        << (segmentation ? "mIoU" : "top-1") << std::setw(8) << (segmentation ? "pixels" : "top-5")
        << "\n";
    out << std::string(36, '-') << "\n";
    for (const auto& name : order) {
        if (!top1.count(name)) continue;
        out << std::left << std::setw(20) << (name == tpgm::kIdSet ? "ID test" : name) << std::right
            << std::fixed << std::setprecision(1) << std::setw(8) << 100 * top1.at(name);
        if (top5.count(name)) out << std::setw(8) << 100 * top5.at(name);
        out << "\n";
    }
}
