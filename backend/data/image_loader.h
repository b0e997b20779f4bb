// A multi-threaded image loader that keeps the model fed: worker threads decode files with
// OpenCV and augment them (random resized crop, flip, colour jitter; or resize + centre crop for
// evaluation), normalise with the checkpoint's mean/std, and hand over batches in a
// deterministic order (the same images and augmentations for a seed, whatever the thread count).
#pragma once

#include "data/image_folder.h"
#include "data/tensor_dataset.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <random>

namespace tpgm {

struct AugmentOptions {
    int64_t size = 224;
    bool train = true;  // random resized crop + flip + jitter, else centre crop
    double min_scale = 0.08, max_scale = 1.0;  // RandomResizedCrop area range
    double min_ratio = 3.0 / 4.0, max_ratio = 4.0 / 3.0;
    bool flip = true;
    double brightness = 0.0, contrast = 0.0, saturation = 0.0;  // torchvision ColorJitter strengths
    double eval_resize = 256.0 / 224.0;  // eval: shorter side to size * this, then centre crop
    Normalization norm{{0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}};  // ImageNet
};

// One RGB uint8 image to a `size` x `size` RGB uint8 image (crop, resize, flip, jitter).
cv::Mat augment_image(const cv::Mat& rgb, const AugmentOptions& options, std::mt19937_64& rng);
// Writes an RGB uint8 image normalised into `out` (3 * rows * cols floats, CHW).
void normalise_into(const cv::Mat& rgb, const Normalization& norm, float* out);

struct LoaderOptions {
    int64_t batch_size = 32;
    int threads = 2;
    bool shuffle = true;
    uint64_t seed = 0;
    bool drop_last = false;
    int prefetch_batches = 4;  // batches built ahead of the consumer
};

struct ImageBatch {
    torch::Tensor images;  // float [B, 3, size, size], normalised
    torch::Tensor labels;  // int64 [B]
    int64_t skipped = 0;   // unreadable files left out of this batch
};

class ImageLoader {
  public:
    ImageLoader(ImageList list, AugmentOptions augment, LoaderOptions options);
    ~ImageLoader();
    ImageLoader(const ImageLoader&) = delete;
    ImageLoader& operator=(const ImageLoader&) = delete;

    // Starts (or restarts) `epoch`: its order is epoch_order(size, seed, epoch) when shuffling.
    void start_epoch(int64_t epoch);
    // The next batch of the epoch; false when the epoch is over (start_epoch was not called:
    // epoch 0 starts on the first call).
    bool next(ImageBatch& batch);
    int64_t batches_per_epoch() const;
    int64_t size() const;
    // Unreadable or corrupt files met so far (each is warned about once, the first few by name).
    int64_t skipped_total() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Images per second of the loader alone (decode + augment, no model), over up to `max_batches`.
struct LoaderThroughput {
    int64_t images = 0;
    double seconds = 0;
    double images_per_second = 0;
};
LoaderThroughput measure_loader(ImageLoader& loader, int64_t max_batches);

}  // namespace tpgm
