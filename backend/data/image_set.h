// SPDX-License-Identifier: GPL-3.0-or-later
// Labelled image sets whatever their source: the demo's in-memory tensors, or image files that
// are decoded once into memory or streamed from disk batch by batch. Each set brings its own
// augmentation, and every batch is a pure function of (indices, seed), so batches are identical
// across thread counts and between in-memory and streaming loading of the same files.
#pragma once

#include "data/image_folder.h"
#include "data/tensor_dataset.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tpgm {

// What an evaluation set measures; aggregates and tables use it instead of parsing names.
enum class SetKind {
    InDistribution,
    DomainShift,         // another domain of the same classes (DomainNet sketch, ImageNet-Sketch)
    NaturalAdversarial,  // images a reference model gets wrong (ImageNet-A, the demo's "hard")
    Rendition,           // renditions of the classes (ImageNet-R)
    Corruption,          // an ImageNet-C corruption at one severity
};
const char* set_kind_name(SetKind kind);  // "id", "domain", "adversarial", ...

// A set's name and typed metadata.
struct SetInfo {
    std::string name;
    SetKind kind = SetKind::InDistribution;
    std::string corruption;  // kind Corruption: its ImageNet-C name
    int severity = 0;        // kind Corruption: 1..5
    // Classes (indices into the run's classes) the model's logits are restricted to when scoring
    // this set (ImageNet-A/R's 200 of 1000); empty: all classes.
    std::vector<int64_t> class_subset;
};

// Label of the pixels a segmentation mask does not score (VOC's object borders, crop padding).
inline constexpr int64_t kIgnoreLabel = 255;

// How a batch is prepared: augmented for training, deterministic for evaluation.
enum class Transform { Train, Eval };

// A batch of uint8 images [B, C, S, S] and int64 labels [B], or for dense sets int64 masks
// [B, S, S] (class per pixel, kIgnoreLabel where unscored). Unreadable files are left out and
// counted, so B can be smaller than the number of indices asked for.
struct SetBatch {
    torch::Tensor images;
    torch::Tensor labels;
    int64_t skipped = 0;
    std::vector<std::string> cut;  // streamed JPEGs cut short (decoded with a grey remainder)
};

// A labelled image set. Thread-safe for concurrent load() calls.
class ImageSet {
  public:
    explicit ImageSet(SetInfo info) : info_(std::move(info)) {}
    virtual ~ImageSet() = default;
    const SetInfo& info() const { return info_; }
    SetInfo& info() { return info_; }
    virtual int64_t size() const = 0;
    // Every label, int64 [size()]; zeros for dense sets (a scene has no single class).
    virtual torch::Tensor labels() const = 0;
    // Whether load() gives per-pixel masks [B, S, S] (segmentation) instead of labels [B].
    virtual bool dense() const { return false; }
    // Whether evaluation images keep their own sizes (full-resolution segmentation), so that
    // they can only be evaluated one per batch.
    virtual bool variable_size() const { return false; }
    // The examples at `indices`; `seed` drives the training augmentation.
    virtual SetBatch load(const std::vector<int64_t>& indices, Transform transform,
                          uint64_t seed) const = 0;
    // Whether the images are held decoded in memory (else they are read from disk per batch).
    virtual bool in_memory() const = 0;
    // Path of example i, empty for sets without files (the demo).
    virtual std::string source(int64_t i) const { return {}; }
    // Whether an example's training augmentation depends only on (seed, its index), not on the
    // rest of its batch; data-parallel ranks then load just their share of a batch.
    virtual bool augments_per_example() const { return true; }

  private:
    SetInfo info_;
};
using ImageSetPtr = std::shared_ptr<const ImageSet>;

// The demo's sets: same-sized uint8 images in memory, trained with a 2-pixel pad-and-crop and a
// flip (the augmentation the demo benchmark was designed with).
ImageSetPtr make_tensor_set(TensorDataset data, SetInfo info);

// Image files. Training: RandomResizedCrop (scale 0.08-1, ratio 3/4-4/3) + horizontal flip at
// `size`; evaluation: shorter side to round(size * 8/7), centre crop. Both start from the image
// scaled so that its shorter side is at most round(size * 8/7) ("canonical" size), which is what
// in-memory sets keep; streamed sets compute the same on every read.
struct FileSetOptions {
    int64_t size = 224;
    bool in_memory = false;  // decode every file once, up front
    int decode_threads = 2;  // for the up-front decoding
};
// Throws DatasetError when `list` is empty; with in_memory, unreadable files are remembered as
// unreadable (and left out of every batch, as streaming does) and counted in `report`.
ImageSetPtr make_file_set(ImageList list, SetInfo info, const FileSetOptions& options,
                          DecodeReport* report = nullptr);
// What a file set's evaluation makes of one decoded RGB image: the canonical shrink, the shorter
// side to round(size * 8/7) and the centre `size` x `size` crop, so that an image a user brings
// (tpgm-cli predict) is read exactly as the run's evaluation reads its own.
cv::Mat file_set_eval_crop(const cv::Mat& rgb, int64_t size);
// Bytes an in-memory file set of `count` images at `size` is expected to take (for the auto
// choice between memory and streaming).
int64_t estimated_memory_bytes(int64_t count, int64_t size);

// The examples of `set` at `indices` (a view; no copy of images).
ImageSetPtr subset(const ImageSetPtr& set, std::vector<int64_t> indices, SetInfo info);

}  // namespace tpgm
