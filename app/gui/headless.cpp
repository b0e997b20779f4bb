// SPDX-License-Identifier: GPL-3.0-or-later
#include "headless.h"

#include "config/config_schema.h"
#include "engine/trainer.h"

#include <csignal>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace {

tpgm::RunControl* g_control = nullptr;

void on_signal(int) {
    if (g_control) g_control->request_stop();
}

// Plain progress lines: one per tenth of the run, one per evaluation.
class ConsoleSink : public tpgm::EventSink {
  public:
    void on_step(const tpgm::StepEvent& e) override {
        const int decile = static_cast<int>(10 * e.step / std::max<int64_t>(1, e.total_steps));
        if (decile == last_decile_ && e.step != e.total_steps) return;
        last_decile_ = decile;
        std::ostringstream line;
        line << "step " << e.step << "/" << e.total_steps << "  epoch " << e.epoch + 1 << "  loss "
             << std::fixed << std::setprecision(4) << e.loss << "  " << std::setprecision(0)
             << e.images_per_sec << " img/s  ETA " << std::setprecision(0) << e.eta_seconds << " s";
        std::cerr << line.str() << "\n";
    }
    void on_eval(const tpgm::EvalEvent& e) override {
        std::cerr << "eval at step " << e.step << ": ID " << std::fixed << std::setprecision(1)
                  << 100 * e.top1.at("id") << "%";
        if (e.top1.count("ood_mean"))
            std::cerr << ", OOD mean " << 100 * e.top1.at("ood_mean") << "%";
        std::cerr << "\n";
    }
    void on_log(const tpgm::LogEvent& e) override {
        std::cerr << (e.level == "info" ? "" : e.level + ": ") << e.message << "\n";
    }
    void on_progress(const std::string& phase, int64_t done, int64_t total) override {
        const int decile = static_cast<int>(10 * done / std::max<int64_t>(1, total));
        if (phase == phase_ && decile == progress_decile_ && done != total) return;
        phase_ = phase;
        progress_decile_ = decile;
        std::cerr << phase << " " << done << "/" << total << "\n";
    }

  private:
    int last_decile_ = -1;
    int progress_decile_ = -1;
    std::string phase_;
};

void print_table(const tpgm::RunSummary& s) {
    std::vector<std::string> order{"id"};
    for (const auto& [name, _] : s.final_top1)
        if (name != "id" && name != "corruption_mean" && name != "ood_mean") order.push_back(name);
    for (const char* agg : {"corruption_mean", "ood_mean"})
        if (s.final_top1.count(agg)) order.push_back(agg);
    std::cout << std::left << std::setw(20) << "set" << std::right << std::setw(8) << "top-1"
              << std::setw(8) << "top-5"
              << "\n"
              << std::string(36, '-') << "\n";
    for (const auto& name : order) {
        if (!s.final_top1.count(name)) continue;
        std::cout << std::left << std::setw(20) << (name == "id" ? "ID test" : name) << std::right
                  << std::fixed << std::setprecision(1) << std::setw(8)
                  << 100 * s.final_top1.at(name);
        if (s.final_top5.count(name)) std::cout << std::setw(8) << 100 * s.final_top5.at(name);
        std::cout << "\n";
    }
}

}  // namespace

int run_headless(const tpgm::RunConfig& config) {
    try {
        tpgm::validate_or_throw(config);
    } catch (const tpgm::ConfigError& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 2;
    }
    tpgm::RunControl control;
    g_control = &control;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGHUP, on_signal);
    ConsoleSink sink;
    tpgm::RunSummary summary;
    try {
        summary = tpgm::run_training(config, sink, control);
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
    g_control = nullptr;
    std::cout << "run " << summary.status << " after " << summary.steps << " steps in "
              << std::fixed << std::setprecision(1) << summary.seconds << " s: " << summary.run_dir
              << "\n";
    if (!summary.message.empty()) std::cout << summary.message << "\n";
    print_table(summary);
    return summary.status == "completed" ? 0 : (summary.status == "stopped" ? 130 : 1);
}
