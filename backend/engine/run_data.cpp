#include "engine/run_data.h"

#include "data/image_folder.h"

#include <torch/torch.h>

#include <filesystem>
#include <thread>

namespace tpgm {
namespace {

constexpr std::uint64_t kSplitSeed = 20230618;  // fixed, so a run's projection split never moves
constexpr int64_t kProjectionPercent = 10;      // of train, when no projection folder is given

TensorDataset decode(const ImageList& list, const std::string& name, const FolderDataConfig& f,
                     const std::function<void(const std::string&)>& warn) {
    DecodeReport report;
    const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    TensorDataset set = load_image_list(list, f.image_size, threads, &report);
    set.name = name;
    if (report.skipped > 0) {
        std::string first;
        for (const auto& p : report.first_skipped) first += (first.empty() ? "" : ", ") + p;
        warn(std::to_string(report.skipped) + " unreadable image(s) skipped in '" + list.root +
             "': " + first);
    }
    return set;
}

DemoBenchmark load_folders(const RunConfig& c, const ProgressFn& progress,
                           const std::function<void(const std::string&)>& warn) {
    const FolderDataConfig& f = c.folders;
    ImageFolderOptions options;
    if (!f.class_list.empty()) options.classes = read_class_list(f.class_list);
    ImageList train = scan_image_folder(f.train, options);
    options.classes = train.classes;  // every other set uses the training label indices
    ImageList test = scan_image_folder(f.test, options);
    ImageList proj;
    if (!f.proj.empty()) {
        proj = scan_image_folder(f.proj, options);
    } else {
        const auto order = epoch_order(train.size(), kSplitSeed, 0);
        const int64_t n_proj = std::max<int64_t>(1, train.size() * kProjectionPercent / 100);
        proj = ImageList{train.root, train.classes, {}};
        ImageList rest{train.root, train.classes, {}};
        for (int64_t i = 0; i < train.size(); ++i)
            (i < n_proj ? proj : rest).samples.push_back(train.samples[order[i].item<int64_t>()]);
        train = std::move(rest);
    }
    DemoBenchmark b;
    const int64_t phases = 3 + static_cast<int64_t>(f.ood.size());
    int64_t done = 0;
    auto step = [&] {
        if (progress) progress("decoding image folders", ++done, phases);
    };
    b.id_train = decode(train, "id_train", f, warn), step();
    b.id_proj = decode(proj, "id_proj", f, warn), step();
    b.id_test = decode(test, "id_test", f, warn), step();
    ImageFolderOptions ood_options = options;
    ood_options.allow_missing_classes = true;  // an OOD set may cover a subset of the classes
    for (const auto& root : f.ood) {
        const std::string name = std::filesystem::path(root).filename().string();
        b.ood.push_back(
            decode(scan_image_folder(root, ood_options), name.empty() ? root : name, f, warn));
        step();
    }
    b.norm.mean = f.mean;
    b.norm.std = f.std;
    b.class_names = train.classes;
    b.pretrained_checkpoint = c.pretrained;
    return b;
}

}  // namespace

DemoBenchmark load_run_data(const RunConfig& config, const ProgressFn& progress,
                            const std::function<void(const std::string&)>& warn) {
    if (config.data == "folders") return load_folders(config, progress, warn);
    return load_demo_benchmark(config.demo, progress);
}

DemoBenchmark load_run_data(const RunConfig& config, EventSink& sink) {
    return load_run_data(
        config,
        [&](const std::string& phase, int64_t d, int64_t t) { sink.on_progress(phase, d, t); },
        [&](const std::string& message) {
            sink.on_log({"warn", message});
        });
}

}  // namespace tpgm
