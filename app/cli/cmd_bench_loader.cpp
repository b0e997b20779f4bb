// tpgm-cli bench loader: images/s of the multi-threaded image loader alone, beside the images/s
// a training step consumes at the same size, so a user sees whether the loader keeps up.
#include "commands.h"

#include "data/image_loader.h"
#include "engine/step_benchmark.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <filesystem>

namespace fs = std::filesystem;

namespace {

constexpr int kSyntheticImages = 256;  // JPEGs written when no folder is given
constexpr int kSyntheticClasses = 4;

// A folder of 500x375 JPEGs (the size of a typical ImageNet photo) in two-level class layout.
std::string make_synthetic_folder() {
    const fs::path root = fs::temp_directory_path() / "tpgm-bench-loader";
    cv::RNG rng(1);
    for (int c = 0; c < kSyntheticClasses; ++c) {
        fs::create_directories(root / ("class" + std::to_string(c)));
        for (int i = 0; i < kSyntheticImages / kSyntheticClasses; ++i) {
            const fs::path file =
                root / ("class" + std::to_string(c)) / (std::to_string(i) + ".jpg");
            if (fs::exists(file)) continue;
            cv::Mat img(375, 500, CV_8UC3);
            rng.fill(img, cv::RNG::UNIFORM, 0, 255);
            cv::GaussianBlur(img, img, {0, 0}, 3);
            cv::imwrite(file.string(), img);
        }
    }
    return root.string();
}

}  // namespace

void register_bench_loader(CLI::App& bench) {
    struct Options {
        std::string folder, model = "resnet18";
        int size = 224, batch = 32, threads = 2, batches = 16;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = bench.add_subcommand(
        "loader",
        "Image loader images/s (decode + random resized crop + flip + jitter) beside the\n"
        "images/s one training step of a model consumes at the same size");
    cmd->add_option("--folder", o->folder,
                    "ImageFolder root (default: 256 synthetic 500x375 JPEGs)")
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--size", o->size, "crop size in pixels")->capture_default_str();
    cmd->add_option("--batch", o->batch, "images per batch")->capture_default_str();
    cmd->add_option("--threads", o->threads, "loader threads")->capture_default_str();
    cmd->add_option("--batches", o->batches, "batches timed")->capture_default_str();
    cmd->add_option("--model", o->model, "model whose training step is timed")
        ->capture_default_str();
    cmd->callback([o] {
        const std::string folder = o->folder.empty() ? make_synthetic_folder() : o->folder;
        tpgm::AugmentOptions augment;
        augment.size = o->size;
        augment.brightness = augment.contrast = augment.saturation = 0.4;
        tpgm::LoaderOptions options;
        options.batch_size = o->batch;
        options.threads = o->threads;
        tpgm::ImageLoader loader(tpgm::scan_image_folder(folder), augment, options);
        const auto load = tpgm::measure_loader(loader, o->batches);
        tpgm::StepBenchOptions step;
        step.model = o->model;
        step.image_size = o->size;
        step.batch = o->batch;
        step.windows = 1;
        step.window_steps = 3;
        const auto train = tpgm::run_step_benchmark(step);
        std::printf("loader (%d threads, %dpx, train augmentation): %8.0f images/s  (%s)\n",
                    o->threads, o->size, load.images_per_second, folder.c_str());
        std::printf("%s vanilla training step at %dpx, batch %d:  %8.0f images/s\n",
                    o->model.c_str(), o->size, o->batch, train.images_per_sec_vanilla);
        std::printf("loader / training: %.2fx (%s)\n",
                    load.images_per_second / train.images_per_sec_vanilla,
                    load.images_per_second >= train.images_per_sec_vanilla
                        ? "the loader keeps up"
                        : "the loader is the bottleneck");
    });
}
