// SPDX-License-Identifier: GPL-3.0-or-later
// VOC-layout sets (make_voc_set) and the data=voc source (load_voc_run_sets).
#include "data/voc_sets.h"

#include "data/image_folder.h"
#include "data/tensor_dataset.h"

#include <torch/torch.h>

#include <algorithm>
#include <memory>

namespace tpgm {
namespace {

constexpr std::uint64_t kSplitSeed = 20230618;  // file_sources' seed: the split never moves
constexpr int64_t kProjectionPercent = 10;      // of train, when seg.proj is empty

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// The corruption's seed for one example. It leaves out the run's seed on purpose, so that every
// run (method, seed) is scored on the very same corrupted images.
std::uint64_t corruption_seed(int64_t index, robustness::Corruption c, int severity) {
    return splitmix64(splitmix64(static_cast<std::uint64_t>(index)) ^
                      (static_cast<std::uint64_t>(c) << 8 | static_cast<std::uint64_t>(severity)));
}

std::string size_text(const cv::Size& s) {
    return std::to_string(s.width) + "x" + std::to_string(s.height);
}

DatasetError size_mismatch(const VocSample& s, const cv::Size& image, const cv::Size& mask) {
    return DatasetError("image '" + s.image + "' (" + size_text(image) + ") and its mask '" +
                        s.mask + "' (" + size_text(mask) + ") differ in size");
}

class VocSet final : public ImageSet {
  public:
    VocSet(std::vector<VocSample> samples, SetInfo info, const VocSetOptions& options)
        : ImageSet(std::move(info)), samples_(std::move(samples)), options_(options) {
        if (samples_.empty()) throw DatasetError("image set '" + this->info().name + "' is empty");
        if (options_.corruption && (options_.severity < 1 || options_.severity > 5))
            throw DatasetError("image set '" + this->info().name + "': severity " +
                               std::to_string(options_.severity) + " is outside 1..5");
    }
    int64_t size() const override { return static_cast<int64_t>(samples_.size()); }
    torch::Tensor labels() const override { return torch::zeros({size()}, torch::kInt64); }
    bool dense() const override { return true; }
    bool variable_size() const override { return options_.eval_size <= 0; }
    bool in_memory() const override { return false; }
    std::string source(int64_t i) const override { return samples_.at(i).image; }

    SetBatch load(const std::vector<int64_t>& indices, Transform transform,
                  uint64_t seed) const override {
        SetBatch b;
        std::vector<ImageMask> pairs;
        pairs.reserve(indices.size());
        for (int64_t i : indices) {
            const VocSample& s = samples_.at(i);
            bool cut = false;
            cv::Mat image = decode_rgb(s.image, &cut);
            if (image.empty()) {  // as FileSet: left out of the batch and counted
                ++b.skipped;
                continue;
            }
            if (cut) b.cut.push_back(s.image);
            cv::Mat mask = decode_voc_mask(s.mask, options_.classes, options_.reduce_zero_label);
            if (mask.size() != image.size()) throw size_mismatch(s, image.size(), mask.size());
            ImageMask pair;
            if (transform == Transform::Train) {
                // One generator per example, from the batch seed and the example's index, as
                // FileSet seeds them: the same pair whichever thread or rank builds the batch.
                std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(i));
                pair = augment_segmentation(image, mask, options_.train, rng);
            } else {
                pair = resize_for_evaluation(image, mask, options_.eval_size);
            }
            if (options_.corruption)
                pair.image = robustness::corrupt(
                    pair.image, *options_.corruption, options_.severity,
                    corruption_seed(i, *options_.corruption, options_.severity));
            pairs.push_back(std::move(pair));
        }
        const int64_t n = static_cast<int64_t>(pairs.size());
        int64_t h = 0, w = 0;
        if (n > 0) {
            h = pairs[0].image.rows;
            w = pairs[0].image.cols;
        } else if (transform == Transform::Train && options_.train.crop > 0) {
            h = w = options_.train.crop;
        } else if (transform == Transform::Eval && options_.eval_size > 0) {
            h = w = options_.eval_size;
        }
        for (const auto& p : pairs)
            if (p.image.rows != h || p.image.cols != w)
                throw DatasetError("image set '" + info().name +
                                   "' keeps each image's own size: load its images one per batch");
        b.images = torch::empty({n, 3, h, w}, torch::kUInt8);
        b.labels = torch::empty({n, h, w}, torch::kInt64);
        // Plain loops rather than tensor ops: loader threads stay out of LibTorch's thread pool.
        auto* images = b.images.data_ptr<uint8_t>();
        auto* labels = b.labels.data_ptr<int64_t>();
        const int64_t plane = h * w;
        for (int64_t k = 0; k < n; ++k) {
            const cv::Mat& img = pairs[k].image;
            const cv::Mat& mask = pairs[k].mask;
            for (int y = 0; y < img.rows; ++y) {
                const auto* row = img.ptr<cv::Vec3b>(y);
                const auto* m = mask.ptr<uint8_t>(y);
                for (int x = 0; x < img.cols; ++x) {
                    const int64_t at = static_cast<int64_t>(y) * w + x;
                    for (int c = 0; c < 3; ++c) images[(k * 3 + c) * plane + at] = row[x][c];
                    labels[k * plane + at] = m[x];
                }
            }
        }
        return b;
    }

  private:
    std::vector<VocSample> samples_;
    VocSetOptions options_;
};

// Moves a fixed 10% of `train` into the returned projection split (file_sources' recipe).
std::vector<VocSample> split_projection(std::vector<VocSample>& train, const std::string& split) {
    const int64_t n = static_cast<int64_t>(train.size());
    if (n < 2)
        throw DatasetError("split '" + split + "' has " + std::to_string(n) +
                           " image(s): too few to split off the projection set TPGM holds out "
                           "(10%) and keep any for training; add images or give seg.proj");
    const auto order = epoch_order_indices(n, kSplitSeed, 0);
    const int64_t n_proj = std::max<int64_t>(1, n * kProjectionPercent / 100);
    std::vector<VocSample> proj, rest;
    for (int64_t i = 0; i < n; ++i) (i < n_proj ? proj : rest).push_back(train[order[i]]);
    train = std::move(rest);
    return proj;
}

// Checks every pair before training and returns the images that cannot be decoded. The sizes
// come from the PNG / JPEG headers (a few bytes per file, no pixel decoded), which keeps this
// cheap enough for PASCAL-Context's 10k pairs; only a pair whose headers disagree, or a file
// whose header is not parsed, is decoded, because a decoder may turn a JPEG by its EXIF
// orientation. load() checks the decoded sizes again. Mask labels are checked when loaded, as
// that needs every pixel.
DecodeReport check_pairs(const std::vector<VocSample>& samples, int classes,
                         bool reduce_zero_label) {
    DecodeReport report;
    for (const auto& s : samples) {
        const auto image = image_header_size(s.image);
        const auto mask = image_header_size(s.mask);
        if (image && mask && *image == *mask) {
            ++report.decoded;
            continue;
        }
        const cv::Mat decoded = decode_rgb(s.image);
        if (decoded.empty()) {
            report.add_skipped(s.image);
            continue;
        }
        const cv::Size mask_size =
            mask ? *mask : decode_voc_mask(s.mask, classes, reduce_zero_label).size();
        if (decoded.size() != mask_size) throw size_mismatch(s, decoded.size(), mask_size);
        ++report.decoded;
    }
    return report;
}

}  // namespace

ImageSetPtr make_voc_set(std::vector<VocSample> samples, SetInfo info,
                         const VocSetOptions& options) {
    return std::make_shared<VocSet>(std::move(samples), std::move(info), options);
}

RunSets load_voc_run_sets(const RunConfig& config, const LoadCallbacks& callbacks) {
    const SegConfig& seg = config.seg;
    VocLayout layout;
    layout.root = seg.root;
    layout.images = seg.images;
    layout.masks = seg.masks;
    layout.lists = seg.lists;

    RunSets out;
    out.class_names = seg.classes.empty() ? voc_class_names() : read_voc_class_names(seg.classes);
    out.norm.mean = config.images.mean;
    out.norm.std = config.images.std;
    out.channels = 3;
    const int classes = static_cast<int>(out.class_names.size());

    std::vector<VocSample> train = read_voc_split(layout, seg.train);
    std::vector<VocSample> proj =
        seg.proj.empty() ? split_projection(train, seg.train) : read_voc_split(layout, seg.proj);
    std::vector<VocSample> test = read_voc_split(layout, seg.test);

    std::vector<robustness::Corruption> corruptions;
    for (const auto& name : seg.corruptions) {
        const auto c = robustness::corruption_from_name(name);
        if (!c) throw DatasetError("seg.corruptions: '" + name + "' is no ImageNet-C corruption");
        corruptions.push_back(*c);
    }

    const std::vector<std::pair<const std::vector<VocSample>*, std::string>> id_sets = {
        {&train, "id_train"}, {&proj, "id_proj"}, {&test, "id_test"}};
    const int64_t phases = static_cast<int64_t>(id_sets.size());
    for (int64_t k = 0; k < phases; ++k) {
        if (callbacks.progress) callbacks.progress("checking images", k, phases);
        const auto& [samples, name] = id_sets[k];
        const DecodeReport report = check_pairs(*samples, classes, seg.reduce_zero_label);
        if (report.decoded == 0)
            throw DatasetError("no image of '" + name + "' (" + seg.root + ") could be decoded");
        if (report.skipped > 0 && callbacks.warn)
            callbacks.warn(std::to_string(report.skipped) + " unreadable image(s) skipped in '" +
                           name + "' (" + seg.root + "): " + first_names(report.first_skipped));
    }
    if (callbacks.progress) callbacks.progress("checking images", phases, phases);

    VocSetOptions options;
    options.classes = classes;
    options.reduce_zero_label = seg.reduce_zero_label;
    options.train.crop = seg.crop;
    options.train.min_scale = seg.min_scale;
    options.train.max_scale = seg.max_scale;
    options.train.flip = true;  // the default fill is the ImageNet mean in RGB
    options.eval_size = seg.eval_size;
    out.train = make_voc_set(std::move(train), {"id_train"}, options);
    out.proj = make_voc_set(std::move(proj), {"id_proj"}, options);
    for (std::size_t c = 0; c < corruptions.size(); ++c)
        for (int s : seg.severities) {
            VocSetOptions corrupted = options;
            corrupted.corruption = corruptions[c];
            corrupted.severity = s;
            const std::string name = seg.corruptions[c] + "-" + std::to_string(s);
            out.ood.push_back(
                make_voc_set(test, {name, SetKind::Corruption, seg.corruptions[c], s}, corrupted));
        }
    out.test = make_voc_set(std::move(test), {"id_test"}, options);
    return out;
}

}  // namespace tpgm
