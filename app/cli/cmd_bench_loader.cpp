// SPDX-License-Identifier: GPL-3.0-or-later
// tpgm-cli bench loader: images/s of the streaming image loader alone (decode + the training
// augmentation), beside the images/s a training step consumes at the same size, so a user sees
// whether the loader keeps up; and the process's peak memory.
#include "commands.h"

#include "config/config_schema.h"

#include "data/batch_stream.h"
#include "data/synthetic_images.h"
#include "engine/step_benchmark.h"

#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <numeric>

namespace fs = std::filesystem;

namespace {

constexpr int kSyntheticImages = 256;  // 500x375 JPEGs written when no folder is given
constexpr int kSyntheticClasses = 4;

double peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024.0;  // kilobytes on Linux
}

}  // namespace

void register_bench_loader(CLI::App& bench) {
    struct Options {
        std::string folder, generate, model = "resnet18";
        int size = 224, batch = 32, threads = 2, batches = 16, images = 2000, fed_steps = 8;
        bool skip_model = false;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = bench.add_subcommand(
        "loader",
        "Streaming loader images/s (decode + random resized crop + flip) beside the images/s\n"
        "one training step of a model consumes at the same size");
    cmd->add_option("--folder", o->folder,
                    "ImageFolder root (default: 256 synthetic 500x375 JPEGs)")
        ->check(CLI::ExistingDirectory);
    cmd->add_option(
        "--generate", o->generate,
        "write --images synthetic 500x375 JPEGs into this folder (10 classes) and exit");
    cmd->add_option("--images", o->images, "images for --generate")->capture_default_str();
    cmd->add_option("--size", o->size, "crop size in pixels")->capture_default_str();
    cmd->add_option("--batch", o->batch, "images per batch")->capture_default_str();
    cmd->add_option("--threads", o->threads, "loader threads")
        ->check(CLI::Range(1, tpgm::max_sane_threads()))
        ->capture_default_str();
    cmd->add_option("--batches", o->batches, "batches timed")->capture_default_str();
    cmd->add_option("--model", o->model, "model whose training step is timed")
        ->capture_default_str();
    cmd->add_flag("--no-model", o->skip_model, "time the loader only");
    cmd->add_option("--fed-steps", o->fed_steps,
                    "training steps fed by the loader, to measure how long a step waits")
        ->capture_default_str();
    cmd->callback([o] {
        if (!o->generate.empty()) {
            tpgm::write_synthetic_image_folder(o->generate, o->images, 10);
            std::printf("%d images in %s\n", o->images, o->generate.c_str());
            return;
        }
        const std::string folder =
            o->folder.empty() ? tpgm::write_synthetic_image_folder(
                                    (fs::temp_directory_path() / "tpgm-bench-loader").string(),
                                    kSyntheticImages, kSyntheticClasses)
                              : o->folder;
        tpgm::FileSetOptions set_options;
        set_options.size = o->size;
        tpgm::SetInfo info;
        info.name = "bench";
        auto set = tpgm::make_file_set(tpgm::scan_image_folder(folder), info, set_options);
        std::vector<int64_t> order(set->size());
        std::iota(order.begin(), order.end(), 0);
        tpgm::BatchStream stream(set,
                                 tpgm::plan_batches(order, o->batch, 0, o->batches,
                                                    [](int64_t b) { return uint64_t(b); }),
                                 tpgm::Transform::Train, {o->threads, 4});
        const auto load = tpgm::drain(stream);
        std::printf(
            "loader (%d threads, %dpx, training augmentation, streamed): %8.0f images/s"
            "  (%s)\n",
            o->threads, o->size, load.images_per_second, folder.c_str());
        if (!o->skip_model) {
            tpgm::StepBenchOptions step;
            step.model = o->model;
            step.image_size = o->size;
            step.batch = o->batch;
            step.windows = 1;
            step.window_steps = 3;
            const auto train = tpgm::run_step_benchmark(step);
            std::printf("%s vanilla training step at %dpx, batch %d:  %8.0f images/s\n",
                        o->model.c_str(), o->size, o->batch, train.images_per_sec_vanilla);
            std::printf("loader / training: %.2fx (%s)\n",
                        load.images_per_second / train.images_per_sec_vanilla,
                        load.images_per_second >= 2 * train.images_per_sec_vanilla
                            ? "the loader keeps up with room to spare"
                        : load.images_per_second >= train.images_per_sec_vanilla
                            ? "the loader keeps up, barely"
                            : "the loader is the bottleneck");
            if (o->fed_steps > 0) {
                const auto fed = tpgm::run_fed_steps(step, set, o->threads, o->fed_steps);
                std::printf(
                    "training fed by the loader (%d steps): %.3f s/step, waiting %.3f s "
                    "for data (median; %.1f%% of the time), %.0f images/s\n",
                    fed.steps, fed.step_seconds, fed.wait_seconds, 100 * fed.wait_fraction,
                    fed.images_per_second);
            }
        }
        std::printf("peak resident memory: %.0f MB\n", peak_rss_mb());
    });
}
