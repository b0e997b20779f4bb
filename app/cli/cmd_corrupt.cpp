// SPDX-License-Identifier: GPL-3.0-or-later
// `tpgm-cli corrupt` (write ImageNet-C corrupted copies of an image folder) and
// `tpgm-cli bench corruptions` (time the corruption sweep).
#include "commands.h"

#include "config/config_schema.h"
#include "data/image_file.h"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "robustness/corruptions.h"

namespace {

namespace fs = std::filesystem;
namespace rb = tpgm::robustness;

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> items;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (!item.empty()) items.push_back(item);
    }
    return items;
}

std::string known_names() {
    std::string names;
    for (auto c : rb::all_corruptions()) {
        if (!names.empty()) names += ", ";
        names += rb::corruption_name(c);
    }
    return names;
}

std::vector<rb::Corruption> parse_corruptions(const std::string& text) {
    if (text == "all") return rb::all_corruptions();
    if (text == "benchmark") return rb::benchmark_corruptions();
    std::vector<rb::Corruption> out;
    for (const auto& name : split_list(text)) {
        const auto c = rb::corruption_from_name(name);
        if (!c) {
            throw CLI::ValidationError(
                "--corruptions",
                "unknown corruption '" + name + "' (known: all, benchmark, " + known_names() + ")");
        }
        if (std::find(out.begin(), out.end(), *c) == out.end()) out.push_back(*c);
    }
    if (out.empty()) throw CLI::ValidationError("--corruptions", "no corruption given");
    return out;
}

std::vector<int> parse_severities(const std::string& text) {
    std::vector<int> out;
    for (const auto& item : split_list(text)) {
        int s = 0;
        try {
            std::size_t used = 0;
            s = std::stoi(item, &used);
            if (used != item.size()) throw std::invalid_argument(item);
        } catch (const std::exception&) {
            throw CLI::ValidationError("--severities", "'" + item + "' is not an integer");
        }
        if (s < 1 || s > 5) {
            throw CLI::ValidationError("--severities", "severity " + item + " outside 1..5");
        }
        if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    }
    if (out.empty()) throw CLI::ValidationError("--severities", "no severity given");
    return out;
}

bool is_image_file(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    static const std::vector<std::string> kExt = {".jpg",  ".jpeg", ".png", ".bmp", ".tif",
                                                  ".tiff", ".webp", ".ppm", ".pgm", ".pnm"};
    return std::find(kExt.begin(), kExt.end(), ext) != kExt.end();
}

// FNV-1a: a per-file seed that does not depend on thread scheduling or the standard library.
std::uint64_t path_hash(const std::string& s) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ULL;
    return h;
}

struct CorruptOptions {
    std::string input, output, corruptions = "all", severities = "1,2,3,4,5";
    std::uint64_t seed = 0;
    int threads = 1;
};

void run_corrupt(const CorruptOptions& o) {
    const auto corruptions = parse_corruptions(o.corruptions);
    const auto severities = parse_severities(o.severities);
    if (o.threads < 1) throw CLI::ValidationError("--threads", "must be at least 1");
    const fs::path in_root(o.input), out_root(o.output);
    std::error_code ec;
    if (fs::exists(out_root) && fs::equivalent(in_root, out_root, ec)) {
        throw CLI::ValidationError("--output", "must differ from --input");
    }
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(in_root)) {
        if (e.is_regular_file() && is_image_file(e.path())) {
            files.push_back(fs::relative(e.path(), in_root));
        }
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) spdlog::warn("corrupt: no image files under {}", in_root.string());

    std::mutex mu;
    std::vector<std::string> unreadable, unwritable;
    std::atomic<std::size_t> next{0}, written{0};
    if (o.threads > 1) cv::setNumThreads(1);  // parallelism comes from the file workers
    auto worker = [&] {
        for (std::size_t i = next++; i < files.size(); i = next++) {
            const fs::path& rel = files[i];
            const cv::Mat img = cv::imread((in_root / rel).string(), cv::IMREAD_ANYCOLOR);
            if (img.empty() || (img.type() != CV_8UC1 && img.type() != CV_8UC3)) {
                std::lock_guard lock(mu);
                unreadable.push_back(rel.string());
                continue;
            }
            const std::uint64_t seed = o.seed ^ path_hash(rel.generic_string());
            for (auto c : corruptions) {
                for (int s : severities) {
                    const cv::Mat out = rb::corrupt(img, c, s, seed);
                    const fs::path dst =
                        out_root / std::string(rb::corruption_name(c)) / std::to_string(s) / rel;
                    std::error_code dir_ec;
                    fs::create_directories(dst.parent_path(), dir_ec);
                    bool ok = false;
                    try {  // never through a link or into a FIFO in the output tree
                        tpgm::write_image_file(dst.string(), out);
                        ok = true;
                    } catch (const std::runtime_error&) {
                        ok = false;
                    }
                    if (ok) {
                        ++written;
                    } else {
                        std::lock_guard lock(mu);
                        unwritable.push_back(dst.string());
                    }
                }
            }
        }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < o.threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();

    auto first_few = [](std::vector<std::string> v) {
        std::sort(v.begin(), v.end());
        std::string s;
        for (std::size_t i = 0; i < v.size() && i < 5; ++i) s += (i ? ", " : "") + v[i];
        if (v.size() > 5) s += ", ...";
        return s;
    };
    if (!unreadable.empty()) {
        spdlog::warn("corrupt: skipped {} unreadable image(s): {}", unreadable.size(),
                     first_few(unreadable));
    }
    if (!unwritable.empty()) {
        spdlog::error("corrupt: failed to write {} file(s): {}", unwritable.size(),
                      first_few(unwritable));
        throw CLI::RuntimeError(1);
    }
    spdlog::info("corrupt: wrote {} image(s) from {} input(s) ({} corruption(s) x {} severities)",
                 written.load(), files.size() - unreadable.size(), corruptions.size(),
                 severities.size());
}

// Deterministic synthetic "natural" test image: sky gradient, hills, a sun, textured ground
// and a few objects, with mild sensor noise (fixed local RNG).
cv::Mat synthetic_image(int size) {
    cv::Mat img(size, size, CV_8UC3);
    for (int y = 0; y < size; ++y) {
        for (int x = 0; x < size; ++x) {
            const double t = static_cast<double>(y) / size;
            img.at<cv::Vec3b>(y, x) =
                cv::Vec3b(static_cast<uchar>(235 - 60 * t), static_cast<uchar>(190 - 50 * t),
                          static_cast<uchar>(140 - 40 * t));
        }
    }
    const double u = size / 224.0;
    std::vector<cv::Point> hill;
    for (int x = 0; x <= size; x += std::max(1, size / 32)) {
        hill.emplace_back(x, static_cast<int>(size * (0.62 + 0.08 * std::sin(x * 0.045 / u))));
    }
    hill.emplace_back(size, size);
    hill.emplace_back(0, size);
    cv::fillPoly(img, std::vector<std::vector<cv::Point>>{hill}, cv::Scalar(60, 120, 70),
                 cv::LINE_AA);
    cv::circle(img, cv::Point(static_cast<int>(170 * u), static_cast<int>(45 * u)),
               static_cast<int>(18 * u), cv::Scalar(120, 230, 255), cv::FILLED, cv::LINE_AA);
    cv::rectangle(img,
                  cv::Rect(cv::Point(static_cast<int>(40 * u), static_cast<int>(120 * u)),
                           cv::Point(static_cast<int>(95 * u), static_cast<int>(175 * u))),
                  cv::Scalar(40, 60, 170), cv::FILLED);
    cv::ellipse(img, cv::Point(static_cast<int>(150 * u), static_cast<int>(165 * u)),
                cv::Size(static_cast<int>(30 * u), static_cast<int>(14 * u)), 15, 0, 360,
                cv::Scalar(30, 30, 30), cv::FILLED, cv::LINE_AA);
    cv::RNG rng(0x7e57'1ca9ULL);
    cv::Mat noise(img.size(), CV_16SC3);
    rng.fill(noise, cv::RNG::NORMAL, cv::Scalar::all(0), cv::Scalar::all(6));
    cv::Mat out;
    cv::add(img, noise, out, cv::noArray(), CV_8UC3);
    return out;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

struct BenchOptions {
    int size = 224, repeats = 5, threads = 1, scaling_images = 8;
    std::string image;
};

void run_bench(const BenchOptions& o) {
    if (o.size < 8) throw CLI::ValidationError("--size", "must be at least 8");
    if (o.repeats < 1) throw CLI::ValidationError("--repeats", "must be at least 1");
    if (o.threads < 1) throw CLI::ValidationError("--threads", "must be at least 1");
    cv::Mat img;
    if (!o.image.empty()) {
        img = cv::imread(o.image, cv::IMREAD_COLOR);
        if (img.empty()) throw CLI::ValidationError("--image", "cannot read " + o.image);
        cv::resize(img, img, cv::Size(o.size, o.size), 0, 0, cv::INTER_AREA);
    } else {
        img = synthetic_image(o.size);
    }
    cv::setNumThreads(o.threads);
    const auto& bench = rb::benchmark_corruptions();
    for (auto c : rb::all_corruptions()) {  // warm-up (allocations, tables, codecs)
        for (int s = 1; s <= 5; ++s) rb::corrupt(img, c, s, 1);
    }
    std::printf("corruption bench: %dx%d BGR image (%s), %d repeat(s), cv::setNumThreads(%d)\n",
                o.size, o.size, o.image.empty() ? "synthetic" : o.image.c_str(), o.repeats,
                o.threads);
    std::printf("%-18s %12s %12s\n", "corruption", "ms/5 sev", "ms/output");
    double sum_bench = 0.0;
    for (auto c : rb::all_corruptions()) {
        std::vector<double> times;
        for (int r = 0; r < o.repeats; ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            for (int s = 1; s <= 5; ++s) rb::corrupt(img, c, s, static_cast<std::uint64_t>(r));
            times.push_back(ms_since(t0));
        }
        const double m = median(times);
        const bool in_bench = std::find(bench.begin(), bench.end(), c) != bench.end();
        if (in_bench) sum_bench += m;
        std::printf("%-18s %12.3f %12.3f%s\n", std::string(rb::corruption_name(c)).c_str(), m,
                    m / 5, in_bench ? "" : "   (extra, not in sweep)");
    }
    const int outputs = static_cast<int>(bench.size()) * 5;
    std::vector<double> sweeps;
    for (int r = 0; r < o.repeats; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        for (auto c : bench) {
            for (int s = 1; s <= 5; ++s) rb::corrupt(img, c, s, static_cast<std::uint64_t>(r));
        }
        sweeps.push_back(ms_since(t0));
    }
    const double sweep_ms = median(sweeps);
    std::printf("sweep (%zu corruptions x 5 severities = %d outputs per clean image):\n",
                bench.size(), outputs);
    std::printf("  sum of medians %.2f ms; measured median %.2f ms per clean image\n", sum_bench,
                sweep_ms);
    std::printf(
        "  = %.1f clean images/s = %.0f corrupted outputs/s "
        "(Python imagecorruptions: ~65-72 outputs/s)\n",
        1000.0 / sweep_ms, outputs * 1000.0 / sweep_ms);

    // Scaling: N distinct images (seeds) through the full sweep with a pool of workers.
    const int n = std::max(1, o.scaling_images);
    cv::setNumThreads(1);
    for (int workers : {1, 2}) {
        std::atomic<int> next{0};
        const auto t0 = std::chrono::steady_clock::now();
        auto work = [&] {
            for (int i = next++; i < n; i = next++) {
                for (auto c : bench) {
                    for (int s = 1; s <= 5; ++s) {
                        rb::corrupt(img, c, s, static_cast<std::uint64_t>(i) + 100);
                    }
                }
            }
        };
        std::vector<std::thread> pool;
        for (int t = 1; t < workers; ++t) pool.emplace_back(work);
        work();
        for (auto& t : pool) t.join();
        const double ms = ms_since(t0);
        std::printf(
            "threads scaling: %d worker(s) x cv::setNumThreads(1): %d images in %.1f ms "
            "= %.1f clean images/s = %.0f outputs/s\n",
            workers, n, ms, n * 1000.0 / ms, n * outputs * 1000.0 / ms);
    }
    cv::setNumThreads(-1);
}

}  // namespace

void register_corrupt_command(CLI::App& app) {
    auto opts = std::make_shared<CorruptOptions>();
    CLI::App* sub = app.add_subcommand("corrupt",
                                       "Write ImageNet-C corrupted copies of an image folder "
                                       "(OUT/<corruption>/<severity>/<relative path>)");
    sub->add_option("--input", opts->input, "Image folder (class sub-folders are recursed)")
        ->required()
        ->check(CLI::ExistingDirectory);
    sub->add_option("--output", opts->output, "Output folder")->required();
    sub->add_option("--corruptions", opts->corruptions,
                    "Comma-separated names, 'all' (19) or 'benchmark' (15)")
        ->capture_default_str();
    sub->add_option("--severities", opts->severities, "Comma-separated severities in 1..5")
        ->capture_default_str();
    sub->add_option("--seed", opts->seed, "Random seed")->capture_default_str();
    sub->add_option("--threads", opts->threads, "Worker threads")
        ->check(CLI::Range(1, tpgm::max_sane_threads()))
        ->capture_default_str();
    sub->callback([opts] { run_corrupt(*opts); });
}

void register_bench_corruptions(CLI::App& bench) {
    auto opts = std::make_shared<BenchOptions>();
    CLI::App* sub = bench.add_subcommand(
        "corruptions", "Time the ImageNet-C corruptions on one RGB image, and the full sweep");
    sub->add_option("--size", opts->size, "Image side in pixels")->capture_default_str();
    sub->add_option("--repeats", opts->repeats, "Repeats per measurement (median is reported)")
        ->capture_default_str();
    sub->add_option("--threads", opts->threads, "cv::setNumThreads for the timings")
        ->check(CLI::Range(1, tpgm::max_sane_threads()))
        ->capture_default_str();
    sub->add_option("--scaling-images", opts->scaling_images,
                    "Images for the worker-pool scaling line")
        ->capture_default_str();
    sub->add_option("--image", opts->image, "Image to use instead of the synthetic one");
    sub->callback([opts] { run_bench(*opts); });
}
