// SPDX-License-Identifier: GPL-3.0-or-later
// The batches a training run draws: each epoch's seeded order over the training set, the endless
// seeded sequence over the projection split, this process's share of each batch, and the
// warnings about unreadable or cut images met on the way.
#pragma once

#include "data/batch_stream.h"
#include "data/run_sets.h"
#include "methods/method.h"

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace tpgm {

// The run's training and projection batches, streamed in the background.
class RunBatches {
  public:
    // What fixes the sequences: the sets, the run's seed, the global batch and this process's
    // rank among `ranks`. `warn` receives the log warnings.
    struct Plan {
        const RunSets* data = nullptr;
        std::uint64_t seed = 0;
        int64_t batch = 0;
        int64_t steps_per_epoch = 0;
        int rank = 0, ranks = 1;
        StreamOptions stream;
        torch::Device device{torch::kCPU};
        torch::ScalarType dtype = torch::kFloat;  // of the model's inputs
        std::function<void(const std::string&)> warn;
    };
    explicit RunBatches(Plan plan);

    // The batch of `step` (1-based; this process's share): epoch order, then consecutive
    // batches, augmentation seeded per step. `waited`: seconds spent waiting for it.
    SetBatch training(int64_t step, double& waited);
    // The next projection batch (this process's share) on the model's device, normalised.
    Batch projection();

    // Images (or scored pixels) of the last projection batch on this process.
    double projection_share() const { return proj_share_; }
    // Projection batches drawn so far: saved with a checkpoint, restored on resume so that a
    // resumed run draws the batches an uninterrupted one would.
    int64_t projection_batches() const { return proj_batches_; }
    void set_projection_batches(int64_t count);
    // Training images left out because they could not be read.
    int64_t skipped_images() const { return skipped_images_; }

  private:
    std::vector<int64_t> projection_indices(int64_t k);

    Plan plan_;
    std::unique_ptr<BatchStream> train_stream_;  // the current epoch's batches
    int64_t stream_epoch_ = -1;
    std::unique_ptr<BatchStream> proj_stream_;  // the next projection batches
    std::vector<int64_t> proj_order_;           // order of the projection split in its pass
    int64_t proj_order_epoch_ = -1;
    int64_t proj_batches_ = 0;
    double proj_share_ = 0;
    int64_t skipped_images_ = 0;
    std::set<std::string> cut_images_;
};

}  // namespace tpgm
