// SPDX-License-Identifier: GPL-3.0-or-later
// Keeps the model fed: worker threads build the batches of a fixed plan (indices and seed per
// batch) from an ImageSet ahead of the consumer, at most `prefetch` batches ahead, and hand them
// over in plan order. Each batch depends only on its plan entry, so the thread count never
// changes the result.
#pragma once

#include "data/image_set.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace tpgm {

// One batch to build: which examples, and the seed of their augmentation.
struct BatchJob {
    std::vector<int64_t> indices;
    uint64_t seed = 0;
};

// Consecutive batches of `batch` examples of `order` (the last one may be short), starting at
// batch `first`; batch b gets seed `seed_of(b)`.
template <typename SeedFn>
std::vector<BatchJob> plan_batches(const std::vector<int64_t>& order, int64_t batch, int64_t first,
                                   int64_t count, SeedFn seed_of) {
    std::vector<BatchJob> jobs;
    for (int64_t b = first; b < first + count && b * batch < static_cast<int64_t>(order.size());
         ++b) {
        const auto begin = order.begin() + b * batch;
        const auto end = order.begin() + std::min<int64_t>((b + 1) * batch, order.size());
        jobs.push_back({std::vector<int64_t>(begin, end), seed_of(b)});
    }
    return jobs;
}

// A data-parallel rank's part of n items: the contiguous [n·rank/ranks, n·(rank+1)/ranks).
struct RankShare {
    int64_t first = 0;
    int64_t count = 0;
};
RankShare rank_share(int64_t n, int rank, int ranks);
// What rank `rank` of `ranks` loads of `jobs`: its share of each batch, or the whole batch when
// the set's augmentation draws across the batch, which keep_rank_share() then cuts to the share.
// With one rank both leave everything as it is.
std::vector<BatchJob> rank_jobs(const ImageSet& set, std::vector<BatchJob> jobs, int rank,
                                int ranks);
void keep_rank_share(const ImageSet& set, SetBatch& batch, int rank, int ranks);

struct StreamOptions {
    int threads = 2;   // 0: build each batch on the consumer's thread when it is asked for
    int prefetch = 4;  // batches built ahead of the consumer
};

class BatchStream {
  public:
    BatchStream(ImageSetPtr set, std::vector<BatchJob> jobs, Transform transform,
                StreamOptions options);
    ~BatchStream();  // stops the workers after the batches they are building
    BatchStream(const BatchStream&) = delete;
    BatchStream& operator=(const BatchStream&) = delete;

    // The next batch of the plan; false after the last.
    bool next(SetBatch& batch);
    // Seconds next() spent waiting for a batch that was not ready yet.
    double wait_seconds() const { return wait_seconds_; }
    int64_t remaining() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    double wait_seconds_ = 0;
};

// Images per second of the stream alone (decode + augment, no model) over its whole plan.
struct LoaderThroughput {
    int64_t images = 0;
    int64_t skipped = 0;
    double seconds = 0;
    double images_per_second = 0;
};
LoaderThroughput drain(BatchStream& stream);

}  // namespace tpgm
