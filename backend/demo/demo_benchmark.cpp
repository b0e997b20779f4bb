// SPDX-License-Identifier: GPL-3.0-or-later
#include "demo/demo_benchmark.h"

#include "config/config_schema.h"
#include "data/idx_reader.h"
#include "data/image_convert.h"
#include "demo/pretrain.h"
#include "files/atomic_file.h"
#include "robustness/corruptions.h"
#include "robustness/sketch.h"

#include <torch/torch.h>
#include <opencv2/imgproc.hpp>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>

namespace tpgm {
namespace fs = std::filesystem;

namespace {

// Bump when the construction below changes, so that stale caches are rebuilt.
constexpr int kBuilderVersion = 1;
// Training images held back for the independent reference classifier of the hard set.
constexpr int64_t kReferenceImages = 10000;
// Coarse pre-training group of each Fashion-MNIST class: tops, outerwear, long garments,
// footwear, bags. Pre-training on the 10 classes themselves made the ID task trivial for a probe.
constexpr int64_t kCoarseGroup[10] = {0, 2, 1, 2, 1, 3, 0, 3, 4, 3};
constexpr int64_t kCoarseGroups = 5;

std::string hash_hex(const std::string& text) {
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
    std::ostringstream s;
    s << std::hex << h;
    return s.str();
}

// One random "style" per pre-training image: the broad, style-diverse source distribution.
cv::Mat random_style(const cv::Mat& img, std::mt19937_64& rng) {
    std::uniform_int_distribution<int> pick(0, 7);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    cv::Mat out;
    switch (pick(rng)) {
        case 0:
            return img.clone();
        case 1:
            return 255 - img;
        case 2:
            return robustness::render_sketch(img, robustness::SketchStyle::Pencil);
        case 3:
            return robustness::render_sketch(img, robustness::SketchStyle::Edges);
        case 4:
            cv::GaussianBlur(img, out, {0, 0}, 0.6 + 0.9 * u(rng));
            return out;
        case 5: {
            cv::Mat noise(img.size(), CV_32F);
            cv::RNG cvrng(rng());
            cvrng.fill(noise, cv::RNG::NORMAL, 0.0, 255.0 * (0.05 + 0.2 * u(rng)));
            img.convertTo(out, CV_32F);
            out += noise;
            out.convertTo(out, CV_8U);
            return out;
        }
        case 6: {
            const double c = 0.3 + 0.4 * u(rng), m = cv::mean(img)[0];
            img.convertTo(out, CV_8U, c, m * (1 - c));
            return out;
        }
        default: {
            const double gamma = 0.5 + 1.5 * u(rng);
            cv::Mat lut(1, 256, CV_8U);
            for (int i = 0; i < 256; ++i)
                lut.at<uint8_t>(i) = cv::saturate_cast<uint8_t>(255.0 * std::pow(i / 255.0, gamma));
            cv::LUT(img, lut, out);
            return out;
        }
    }
}

// Test images that a pixel-space softmax classifier, trained on separate images, gets wrong:
// the analogue of ImageNet-A's adversarial filtering against a reference model.
torch::Tensor reference_misclassified(const TensorDataset& train, const TensorDataset& test,
                                      std::uint64_t seed) {
    torch::manual_seed(seed);
    auto x = train.images.flatten(1).to(torch::kFloat).div(255.0f);
    auto linear = torch::nn::Linear(x.size(1), 10);
    torch::optim::Adam opt(linear->parameters(), torch::optim::AdamOptions(1e-2));
    for (int it = 0; it < 150; ++it) {
        opt.zero_grad();
        torch::cross_entropy_loss(linear(x), train.labels).backward();
        opt.step();
    }
    torch::NoGradGuard no_grad;
    auto pred = linear(test.images.flatten(1).to(torch::kFloat).div(255.0f)).argmax(1);
    return pred.ne(test.labels).nonzero().flatten();
}

void write_sets(const std::string& path, const std::vector<const TensorDataset*>& sets,
                const Normalization& norm) {
    torch::serialize::OutputArchive a;
    c10::List<std::string> names;
    for (const auto* s : sets) {
        names.push_back(s->name);
        a.write(s->name + "_images", s->images);
        a.write(s->name + "_labels", s->labels);
    }
    a.write("set_names", c10::IValue(names));
    a.write("norm_mean", torch::tensor(norm.mean, torch::kDouble));
    a.write("norm_std", torch::tensor(norm.std, torch::kDouble));
    std::ostringstream bytes;
    a.save_to(bytes);
    write_file_atomically(path, bytes.str());
}

DemoBenchmark read_sets(const std::string& path) {
    torch::serialize::InputArchive a;
    a.load_from(path);
    c10::IValue names;
    a.read("set_names", names);
    DemoBenchmark b;
    for (const auto& n : names.toListRef()) {
        TensorDataset set{n.toStringRef(), {}, {}};
        a.read(set.name + "_images", set.images);
        a.read(set.name + "_labels", set.labels);
        if (set.name == "id_train")
            b.id_train = set;
        else if (set.name == "id_proj")
            b.id_proj = set;
        else if (set.name == "id_test")
            b.id_test = set;
        else
            b.ood.push_back(set);
    }
    torch::Tensor mean, std;
    a.read("norm_mean", mean);
    a.read("norm_std", std);
    b.norm.mean.assign(mean.data_ptr<double>(), mean.data_ptr<double>() + mean.numel());
    b.norm.std.assign(std.data_ptr<double>(), std.data_ptr<double>() + std.numel());
    return b;
}

void build(const DemoConfig& c, const std::string& dir, const ProgressFn& progress,
           const torch::Device& device) {
    auto report = [&](const std::string& phase, int64_t done, int64_t total) {
        if (progress) progress(phase, done, total);
    };
    const fs::path src(c.fashion_mnist_dir);
    report("reading Fashion-MNIST", 0, 1);
    TensorDataset train{"train", read_idx_images((src / "train-images-idx3-ubyte.gz").string()),
                        read_idx_labels((src / "train-labels-idx1-ubyte.gz").string())};
    TensorDataset test{"test", read_idx_images((src / "t10k-images-idx3-ubyte.gz").string()),
                       read_idx_labels((src / "t10k-labels-idx1-ubyte.gz").string())};
    if (train.size() < 60000 || test.size() < 10000)
        throw DatasetError("Fashion-MNIST in '" + c.fashion_mnist_dir + "' is incomplete");
    report("reading Fashion-MNIST", 1, 1);

    auto order = epoch_order(train.size(), c.seed, 0);
    int64_t at = 0;
    auto take = [&](int64_t n, const char* name) {
        auto set = train.subset(order.narrow(0, at, n), name);
        at += n;
        return set;
    };
    TensorDataset pretrain = take(c.pretrain_images, "pretrain");
    TensorDataset id_train = take(c.id_train, "id_train");
    TensorDataset id_proj = take(c.id_proj, "id_proj");
    TensorDataset reference = train.subset(
        order.narrow(0, train.size() - kReferenceImages, kReferenceImages), "reference");
    auto test_order = epoch_order(test.size(), c.seed, 1);
    TensorDataset id_test = test.subset(test_order.narrow(0, 0, c.id_test), "id_test");
    TensorDataset ood_base = test.subset(test_order.narrow(0, 0, c.ood_images), "ood_base");

    // Pre-training set: coarse labels, one random style per image.
    std::mt19937_64 rng(c.seed);
    pretrain.images = map_images(pretrain.images, [&](const cv::Mat& m, int64_t i) {
        if (i % 2000 == 0) report("styling pre-training images", i, pretrain.size());
        return random_style(m, rng);
    });
    auto coarse =
        torch::tensor(std::vector<int64_t>(kCoarseGroup, kCoarseGroup + 10), torch::kLong);
    pretrain.labels = coarse.index_select(0, pretrain.labels);
    const Normalization norm = measure_normalization(pretrain.images);

    // OOD sets over the same test images.
    std::vector<TensorDataset> ood;
    report("rendering OOD sets", 0, 1);
    ood.push_back({"sketch",
                   map_images(ood_base.images,
                              [](const cv::Mat& m, int64_t) {
                                  return robustness::render_sketch(m,
                                                                   robustness::SketchStyle::Pencil);
                              }),
                   ood_base.labels});
    auto hard = reference_misclassified(reference, id_test, c.seed);
    ood.push_back(id_test.subset(hard, "hard"));
    for (const auto& name : c.corruptions) {
        const auto corruption = robustness::corruption_from_name(name);
        if (!corruption) throw ConfigError("demo.corruptions: unknown corruption '" + name + "'");
        for (int s : c.severities) {
            ood.push_back({name + "-" + std::to_string(s),
                           map_images(ood_base.images,
                                      [&](const cv::Mat& m, int64_t i) {
                                          return robustness::corrupt(m, *corruption, s,
                                                                     c.seed * 100003 + i);
                                      }),
                           ood_base.labels});
        }
    }
    report("rendering OOD sets", 1, 1);

    std::vector<const TensorDataset*> sets{&id_train, &id_proj, &id_test};
    for (const auto& o : ood) sets.push_back(&o);
    pretrain_demo_backbone(c, pretrain, kCoarseGroups, norm,
                           (fs::path(dir) / "pretrained.pt").string(), progress, device);
    // Written last: its presence marks a complete cache.
    write_sets((fs::path(dir) / "benchmark.pt").string(), sets, norm);
}

}  // namespace

const std::vector<std::string>& fashion_mnist_classes() {
    static const std::vector<std::string> names = {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return names;
}

std::string demo_cache_dir(const DemoConfig& config) {
    fs::path base = config.cache_dir;
    if (base.empty()) {
        const char* xdg = std::getenv("XDG_CACHE_HOME");
        const char* home = std::getenv("HOME");
        base = xdg && *xdg ? fs::path(xdg) : fs::path(home && *home ? home : "/tmp") / ".cache";
        base /= "tpgm-workbench";
    }
    RunConfig key_holder;
    key_holder.demo = config;
    key_holder.demo.cache_dir.clear();
    // The key is every demo.* value (the "demo:" block of the YAML) plus the builder version.
    const std::string yaml = to_yaml(key_holder);
    std::string key = std::to_string(kBuilderVersion);
    std::istringstream lines(yaml.substr(yaml.find("\ndemo:") + 1));
    std::string line;
    for (bool first = true; std::getline(lines, line); first = false) {
        if (!first && !line.empty() && line[0] != ' ') break;  // the next top-level key
        key += line + "\n";
    }
    return (base / ("demo-" + hash_hex(key))).string();
}

DemoBenchmark load_demo_benchmark(const DemoConfig& config, const ProgressFn& progress,
                                  const torch::Device& device) {
    const std::string dir = demo_cache_dir(config);
    const fs::path sets = fs::path(dir) / "benchmark.pt";
    if (!fs::exists(sets)) {
        fs::create_directories(dir);
        build(config, dir, progress, device);
    }
    DemoBenchmark b;
    try {
        b = read_sets(sets.string());
    } catch (const c10::Error& e) {
        throw DatasetError("the cached demo benchmark '" + sets.string() +
                           "' is unreadable; delete that folder to rebuild it");
    }
    b.pretrained_checkpoint = (fs::path(dir) / "pretrained.pt").string();
    b.class_names = fashion_mnist_classes();
    return b;
}

RunSets demo_run_sets(const DemoConfig& config, const ProgressFn& progress,
                      const torch::Device& device) {
    DemoBenchmark b = load_demo_benchmark(config, progress, device);
    RunSets sets;
    sets.train = make_tensor_set(b.id_train, {"id_train"});
    sets.proj = make_tensor_set(b.id_proj, {"id_proj"});
    sets.test = make_tensor_set(b.id_test, {"id_test"});
    for (auto& set : b.ood) {
        SetInfo info{set.name, SetKind::DomainShift};
        if (set.name == "hard") info.kind = SetKind::NaturalAdversarial;
        for (const auto& c : config.corruptions)
            for (int s : config.severities)
                if (set.name == c + "-" + std::to_string(s))
                    info = {set.name, SetKind::Corruption, c, s};
        sets.ood.push_back(make_tensor_set(std::move(set), std::move(info)));
    }
    sets.norm = b.norm;
    sets.class_names = b.class_names;
    sets.pretrained_checkpoint = b.pretrained_checkpoint;
    sets.channels = b.id_train.images.size(1);
    return sets;
}

}  // namespace tpgm
