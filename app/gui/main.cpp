// SPDX-License-Identifier: GPL-3.0-or-later
// tpgm-workbench: the TPGM Workbench window. Without a display it says so in one line and runs
// the demo headless. --benchmark compares training speed with the window attached vs headless.
#include "headless.h"

#include "config/config_schema.h"
#include "engine/trainer.h"
#include "facade/runtime_facade.h"
#include "ui/main_window.h"
#include "ui/theme.h"
#include "ui/training_controller.h"

#include <QApplication>
#include <QDir>
#include <QEventLoop>
#include <QSettings>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
    std::string config;
    std::vector<std::string> overrides;
    std::string screenshot;
    double screenshot_after = 15;
    int tab = -1;
    std::vector<std::string> open;
    bool start = false;
    bool no_start = false;
    bool headless = false;
    bool benchmark = false;
    int repeats = 2;
    std::string theme;
    int width = 0, height = 0;
};

void usage() {
    std::cout
        << "Usage: tpgm-workbench [options]\n"
           "  --config FILE          YAML run config (see tpgm-cli config)\n"
           "  --set KEY=VALUE        override a config key, e.g. --set epochs=5 (repeatable)\n"
           "  --start                start training at once\n"
           "  --open DIR             open a run folder (repeatable; overlays runs)\n"
           "  --tab N                show tab N (0 training, 1 radii curves, 2 robustness demo,\n"
           "                         3 segmentation, 4 corruption heat map, 5 compare,\n"
           "                         6 data preview)\n"
           "  --screenshot PATH      start the run, save the window as PNG after\n"
           "                         --screenshot-after SECONDS (default 15), then quit\n"
           "  --size WxH             window size (e.g. for screenshots)\n"
           "  --no-start             with --screenshot: grab the window without training\n"
           "  --theme NAME           system, light or dark (remembered)\n"
           "  --headless             run the demo on the console even with a display\n"
           "  --benchmark            time the same run headless and with the window, alternately\n"
           "                         --repeats N times (default 2); print the speed ratio\n"
           "Without a display (no DISPLAY, WAYLAND_DISPLAY or QT_QPA_PLATFORM) the demo runs "
           "headless.\n";
}

bool parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << "error: " << a << " needs a value\n";
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--config" || a == "-c")
            o.config = value();
        else if (a == "--set" || a == "-s")
            o.overrides.push_back(value());
        else if (a == "--screenshot")
            o.screenshot = value();
        else if (a == "--screenshot-after")
            o.screenshot_after = std::atof(value().c_str());
        else if (a == "--tab")
            o.tab = std::atoi(value().c_str());
        else if (a == "--open")
            o.open.push_back(value());
        else if (a == "--start")
            o.start = true;
        else if (a == "--theme")
            o.theme = value();
        else if (a == "--size") {
            const std::string v = value();
            std::sscanf(v.c_str(), "%dx%d", &o.width, &o.height);
        } else if (a == "--no-start")
            o.no_start = true;
        else if (a == "--headless")
            o.headless = true;
        else if (a == "--benchmark")
            o.benchmark = true;
        else if (a == "--repeats")
            o.repeats = std::max(1, std::atoi(value().c_str()));
        else if (a == "--help" || a == "-h") {
            usage();
            std::exit(0);
        } else {
            std::cerr << "error: unknown option " << a << " (see --help)\n";
            return false;
        }
    }
    return true;
}

double cpu_seconds(clockid_t clock) {
    timespec t{};
    clock_gettime(clock, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

bool display_available() {
    for (const char* v : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}) {
        const char* s = std::getenv(v);
        if (s && *s) return true;
    }
    return false;
}

// Trains `config` alternately headless (no sink output) and from the window with live plots,
// `repeats` times each; prints the training speed of each and the ratio of the totals.
int benchmark(tpgm::RunConfig config, int repeats, bool main_thread_too) {
    class Quiet : public tpgm::EventSink {};
    const std::string root =
        config.run_dir.empty() || config.run_dir == "runs/latest" ? "runs" : config.run_dir;
    tpgm::ui::MainWindow window;
    window.show();
    double headless_steps = 0, headless_seconds = 0, window_steps = 0, window_seconds = 0;
    int replots = 0;
    double ui_cpu = 0, all_cpu = 0, headless_cpu = 0;
    auto headless = [&](int i) {
        // On a worker thread, as the window trains.
        config.run_dir = root + "/bench-headless-" + std::to_string(i);
        const double cpu0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
        tpgm::RunSummary h;
        std::thread worker([&] {
            tpgm::RunControl control;
            Quiet quiet;
            h = tpgm::run_training(config, quiet, control);
        });
        worker.join();
        const double cpu = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
        headless_cpu += cpu;
        std::printf("headless #%d: %lld steps in %.2f s (%.2f steps/s), process %.2f s CPU\n", i,
                    static_cast<long long>(h.steps), h.seconds, h.steps / std::max(h.seconds, 1e-9),
                    cpu);
        headless_steps += h.steps;
        headless_seconds += h.seconds;
        if (main_thread_too) {
            config.run_dir = root + "/bench-main-" + std::to_string(i);
            tpgm::RunControl control;
            Quiet quiet;
            const tpgm::RunSummary m = tpgm::run_training(config, quiet, control);
            std::printf("headless on the main thread #%d: %lld steps in %.2f s (%.2f steps/s)\n", i,
                        static_cast<long long>(m.steps), m.seconds,
                        m.steps / std::max(m.seconds, 1e-9));
        }
    };
    auto windowed = [&](int i) {
        config.run_dir = root + "/bench-window-" + std::to_string(i);
        window.setConfig(config);
        const int before = window.replotCount();
        const double ui0 = cpu_seconds(CLOCK_THREAD_CPUTIME_ID),
                     all0 = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID);
        QEventLoop loop;
        QObject::connect(&window, &tpgm::ui::MainWindow::runFinished, &loop, &QEventLoop::quit);
        if (!window.startRun()) return false;
        loop.exec();
        const double ui = cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - ui0;
        const double all = cpu_seconds(CLOCK_PROCESS_CPUTIME_ID) - all0;
        ui_cpu += ui;
        all_cpu += all;
        const auto& w = window.controller()->lastSummary();
        std::printf(
            "window   #%d: %lld steps in %.2f s (%.2f steps/s), %d replots, UI thread %.2f s CPU "
            "of %.2f s (%.1f%%)\n",
            i, static_cast<long long>(w.steps), w.seconds, w.steps / std::max(w.seconds, 1e-9),
            window.replotCount() - before, ui, all, 100 * ui / std::max(all, 1e-9));
        window_steps += w.steps;
        window_seconds += w.seconds;
        replots += window.replotCount() - before;
        return true;
    };
    // Alternate the order so that drifting machine load affects both sides alike.
    for (int i = 0; i < repeats; ++i) {
        if (i % 2 == 0) {
            headless(i);
            if (!windowed(i)) return 1;
        } else {
            if (!windowed(i)) return 1;
            headless(i);
        }
        std::fflush(stdout);
    }
    const double hs = headless_steps / std::max(headless_seconds, 1e-9);
    const double ws = window_steps / std::max(window_seconds, 1e-9);
    std::printf(
        "total: headless %.2f steps/s, window %.2f steps/s; window/headless speed ratio %.3f\n", hs,
        ws, ws / hs);
    const double headless_cps = headless_cpu / std::max(headless_steps, 1.0);
    const double window_cps = all_cpu / std::max(window_steps, 1.0);
    std::printf("CPU time per step: headless %.4f s, window %.4f s (ratio %.3f)\n", headless_cps,
                window_cps, window_cps / headless_cps);
    std::printf(
        "the window's UI thread used %.1f%% of the process's CPU time while training (%d "
        "replots)\n",
        100 * ui_cpu / std::max(all_cpu, 1e-9), replots);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    tpgm::facade::prepare_process();
    Options o;
    if (!parse(argc, argv, o)) return 2;
    tpgm::RunConfig config;
    try {
        if (!o.config.empty()) config = tpgm::load_config_file(o.config);
        for (const auto& s : o.overrides) tpgm::apply_override(config, s);
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 2;
    }
    if (o.headless || (!display_available() && !o.benchmark)) {
        if (!o.headless)
            std::cout << "tpgm-workbench: no display available (DISPLAY, WAYLAND_DISPLAY and "
                         "QT_QPA_PLATFORM "
                         "are unset); running the demo headless instead.\n"
                      << std::flush;
        return run_headless(config);
    }
    if (!display_available()) qputenv("QT_QPA_PLATFORM", "offscreen");

    QApplication app(argc, argv);
    QApplication::setOrganizationName("TPGM");
    QApplication::setApplicationName("Workbench");
    QApplication::setApplicationVersion(TPGM_VERSION);
    tpgm::ui::initUiResources();
    if (!o.theme.empty()) {
        const int theme = o.theme == "dark" ? 2 : (o.theme == "light" ? 1 : 0);
        QSettings().setValue("view/theme", theme);
    }
    tpgm::ui::applyTheme(static_cast<tpgm::ui::Theme>(QSettings().value("view/theme", 0).toInt()));
    QApplication::setWindowIcon(tpgm::ui::appIcon());
    if (o.benchmark)
        return benchmark(config, o.repeats, std::getenv("TPGM_BENCH_MAIN_THREAD") != nullptr);

    tpgm::ui::MainWindow window;
    window.setConfig(config);
    for (const auto& dir : o.open) window.openRun(QString::fromStdString(dir));
    if (o.tab >= 0) window.tabs()->setCurrentIndex(o.tab);
    if (o.width > 0 && o.height > 0) window.resize(o.width, o.height);
    window.show();
    if (o.start || (!o.screenshot.empty() && !o.no_start))
        QTimer::singleShot(0, &window, [&window] { window.startRun(); });
    if (!o.screenshot.empty()) {
        const QString path = QString::fromStdString(o.screenshot);
        QTimer::singleShot(static_cast<int>(o.screenshot_after * 1000), &window, [&window, path] {
            window.refreshNow();
            QTimer::singleShot(200, &window, [&window, path] {
                const bool ok = window.grab().save(path, "PNG", 0);
                std::cout << (ok ? "saved " : "could not save ") << path.toStdString() << "\n";
                window.close();
                qApp->exit(ok ? 0 : 1);
            });
        });
    }
    return app.exec();
}
