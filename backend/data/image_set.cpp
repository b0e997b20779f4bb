// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/image_set.h"

#include "data/augment.h"
#include "data/image_convert.h"

#include <torch/torch.h>
#include <opencv2/imgproc.hpp>

#include <atomic>
#include <cmath>
#include <thread>

namespace tpgm {
namespace {

constexpr int64_t kDemoPad = 2;                // the demo's pad-and-crop augmentation, in pixels
constexpr double kEvalResize = 256.0 / 224.0;  // evaluation: shorter side to size * 8/7, crop

class TensorSet final : public ImageSet {
  public:
    TensorSet(TensorDataset data, SetInfo info)
        : ImageSet(std::move(info)), data_(std::move(data)) {}
    int64_t size() const override { return data_.size(); }
    torch::Tensor labels() const override { return data_.labels; }
    bool in_memory() const override { return true; }
    // One generator draws the whole batch's crops and flips in turn.
    bool augments_per_example() const override { return false; }
    SetBatch load(const std::vector<int64_t>& indices, Transform transform,
                  uint64_t seed) const override {
        const auto idx = torch::tensor(indices, torch::kInt64);
        SetBatch b{data_.images.index_select(0, idx), data_.labels.index_select(0, idx), 0};
        if (transform == Transform::Train) {
            std::mt19937_64 rng(seed);
            b.images = augment_batch(b.images, rng, kDemoPad);
        }
        return b;
    }

  private:
    TensorDataset data_;
};

int64_t canonical_side(int64_t size) {
    return std::lround(size * kEvalResize);
}

// HWC RGB to CHW planes with plain loops: loader threads stay out of LibTorch's thread pool.
void to_planes(const cv::Mat& rgb, uint8_t* out) {
    const int64_t plane = static_cast<int64_t>(rgb.rows) * rgb.cols;
    for (int y = 0; y < rgb.rows; ++y) {
        const auto* row = rgb.ptr<cv::Vec3b>(y);
        for (int x = 0; x < rgb.cols; ++x) {
            const int64_t at = static_cast<int64_t>(y) * rgb.cols + x;
            for (int c = 0; c < 3; ++c) out[c * plane + at] = row[x][c];
        }
    }
}

// Shrinks an image so that its shorter side is at most `side` (never enlarges). Bilinear down to
// half size (INTER_AREA cost 2x the loader's throughput on 500x375 photographs), area averaging
// below that, where bilinear would alias.
cv::Mat canonical(cv::Mat rgb, int64_t side) {
    const int shorter = std::min(rgb.rows, rgb.cols);
    if (rgb.empty() || shorter <= side) return rgb;
    const double scale = static_cast<double>(side) / shorter;
    cv::Mat out;
    cv::resize(rgb, out,
               cv::Size(std::max<int>(side, std::lround(rgb.cols * scale)),
                        std::max<int>(side, std::lround(rgb.rows * scale))),
               0, 0, scale < 0.5 ? cv::INTER_AREA : cv::INTER_LINEAR);
    return out;
}

AugmentOptions eval_options(int64_t size) {
    AugmentOptions o;
    o.size = size;
    o.train = false;
    o.eval_resize = kEvalResize;
    return o;
}

class FileSet final : public ImageSet {
  public:
    FileSet(ImageList list, SetInfo info, const FileSetOptions& options, DecodeReport* report)
        : ImageSet(std::move(info)), list_(std::move(list)), size_(options.size) {
        if (list_.samples.empty())
            throw DatasetError("image set '" + this->info().name + "' is empty");
        std::vector<int64_t> labels;
        labels.reserve(list_.samples.size());
        for (const auto& s : list_.samples) labels.push_back(s.label);
        labels_ = torch::tensor(labels, torch::kInt64);
        train_.size = size_;
        eval_ = eval_options(size_);
        if (options.in_memory) decode_all(options.decode_threads, report);
    }
    int64_t size() const override { return list_.size(); }
    torch::Tensor labels() const override { return labels_; }
    bool in_memory() const override { return !cache_.empty(); }
    std::string source(int64_t i) const override { return list_.samples.at(i).path; }

    SetBatch load(const std::vector<int64_t>& indices, Transform transform,
                  uint64_t seed) const override {
        const int64_t n = static_cast<int64_t>(indices.size());
        SetBatch b;
        b.images = torch::empty({n, 3, size_, size_}, torch::kUInt8);
        std::vector<int64_t> labels;
        for (int64_t k = 0; k < n; ++k) {
            const int64_t i = indices[k];
            bool cut = false;  // decoded now from a cut file (in memory, decode_all said so)
            const cv::Mat img = cache_.empty() ? read(i, &cut) : cache_[i];
            if (cut && !img.empty()) b.cut.push_back(list_.samples[i].path);
            if (img.empty()) {
                ++b.skipped;
                continue;
            }
            // One generator per example, from the batch seed and the example's index: the same
            // augmentation whichever thread builds the batch.
            std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(i));
            const cv::Mat out =
                augment_image(img, transform == Transform::Train ? train_ : eval_, rng);
            to_planes(out, b.images.data_ptr<uint8_t>() +
                               static_cast<int64_t>(labels.size()) * 3 * size_ * size_);
            labels.push_back(list_.samples[i].label);
        }
        b.images = b.images.narrow(0, 0, static_cast<int64_t>(labels.size()));
        b.labels = torch::tensor(labels, torch::kInt64);
        return b;
    }

  private:
    cv::Mat read(int64_t i, bool* cut = nullptr) const {
        return canonical(decode_rgb(list_.samples[i].path, cut), canonical_side(size_));
    }

    void decode_all(int threads, DecodeReport* report) {
        const int64_t n = list_.size();
        cache_.resize(n);
        std::vector<char> cut(n, 0);
        std::atomic<int64_t> next{0};
        auto work = [&] {
            for (int64_t i = next++; i < n; i = next++) {
                bool c = false;
                cache_[i] = read(i, &c);
                cut[i] = c;
            }
        };
        std::vector<std::thread> pool;
        for (int t = 0; t < std::max(1, threads); ++t) pool.emplace_back(work);
        for (auto& t : pool) t.join();
        DecodeReport local;
        for (int64_t i = 0; i < n; ++i) {
            if (cache_[i].empty())
                local.add_skipped(list_.samples[i].path);
            else
                ++local.decoded;
            if (cut[i] && !cache_[i].empty()) local.add_cut(list_.samples[i].path);
        }
        if (report) *report = local;
        if (local.decoded == 0)
            throw DatasetError("no image of '" + info().name + "' (" + list_.root +
                               ") could be decoded");
    }

    ImageList list_;
    int64_t size_;
    torch::Tensor labels_;
    AugmentOptions train_, eval_;
    std::vector<cv::Mat> cache_;  // canonical images; empty Mat = unreadable
};

class SubsetView final : public ImageSet {
  public:
    SubsetView(ImageSetPtr base, std::vector<int64_t> indices, SetInfo info)
        : ImageSet(std::move(info)), base_(std::move(base)), indices_(std::move(indices)) {
        labels_ = base_->labels().index_select(0, torch::tensor(indices_, torch::kInt64));
    }
    int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
    torch::Tensor labels() const override { return labels_; }
    bool in_memory() const override { return base_->in_memory(); }
    std::string source(int64_t i) const override { return base_->source(indices_.at(i)); }
    bool augments_per_example() const override { return base_->augments_per_example(); }
    bool dense() const override { return base_->dense(); }
    bool variable_size() const override { return base_->variable_size(); }
    SetBatch load(const std::vector<int64_t>& indices, Transform transform,
                  uint64_t seed) const override {
        std::vector<int64_t> mapped;
        mapped.reserve(indices.size());
        for (int64_t i : indices) mapped.push_back(indices_.at(i));
        return base_->load(mapped, transform, seed);
    }

  private:
    ImageSetPtr base_;
    std::vector<int64_t> indices_;
    torch::Tensor labels_;
};

}  // namespace

const char* set_kind_name(SetKind kind) {
    switch (kind) {
        case SetKind::InDistribution:
            return "id";
        case SetKind::DomainShift:
            return "domain";
        case SetKind::NaturalAdversarial:
            return "adversarial";
        case SetKind::Rendition:
            return "rendition";
        case SetKind::Corruption:
            return "corruption";
    }
    return "id";
}

ImageSetPtr make_tensor_set(TensorDataset data, SetInfo info) {
    return std::make_shared<TensorSet>(std::move(data), std::move(info));
}

ImageSetPtr make_file_set(ImageList list, SetInfo info, const FileSetOptions& options,
                          DecodeReport* report) {
    return std::make_shared<FileSet>(std::move(list), std::move(info), options, report);
}

cv::Mat file_set_eval_crop(const cv::Mat& rgb, int64_t size) {
    std::mt19937_64 unused;  // evaluation draws nothing
    return augment_image(canonical(rgb, canonical_side(size)), eval_options(size), unused);
}

int64_t estimated_memory_bytes(int64_t count, int64_t size) {
    const int64_t side = canonical_side(size);
    return count * side * side * 4;  // a 4:3 photograph at the canonical shorter side, RGB
}

ImageSetPtr subset(const ImageSetPtr& set, std::vector<int64_t> indices, SetInfo info) {
    return std::make_shared<SubsetView>(set, std::move(indices), std::move(info));
}

}  // namespace tpgm
