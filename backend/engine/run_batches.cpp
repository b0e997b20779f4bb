// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/run_batches.h"

#include "data/tensor_dataset.h"

#include <torch/torch.h>

namespace tpgm {
namespace {

constexpr int64_t kPlannedProjectionBatches = 64;  // projection batches planned per stream
constexpr std::size_t kNamedCutImages = 5;         // streamed cut JPEGs named in the log

}  // namespace

RunBatches::RunBatches(Plan plan) : plan_(std::move(plan)) {}

SetBatch RunBatches::training(int64_t step, double& waited) {
    const RunSets& data = *plan_.data;
    const int64_t epoch = (step - 1) / plan_.steps_per_epoch;
    const int64_t first = (step - 1) % plan_.steps_per_epoch;
    if (!train_stream_ || epoch != stream_epoch_ || train_stream_->remaining() == 0) {
        const auto order = epoch_order_indices(data.train->size(), plan_.seed, epoch);
        const uint64_t seed = plan_.seed * 0x2545F4914F6CDD1DULL;
        const int64_t epoch_start = epoch * plan_.steps_per_epoch + 1;
        train_stream_.reset();
        train_stream_ = std::make_unique<BatchStream>(
            data.train,
            rank_jobs(*data.train,
                      plan_batches(
                          order, plan_.batch, first, plan_.steps_per_epoch - first,
                          [&](int64_t b) { return seed + static_cast<uint64_t>(epoch_start + b); }),
                      plan_.rank, plan_.ranks),
            Transform::Train, plan_.stream);
        stream_epoch_ = epoch;
    }
    const double before = train_stream_->wait_seconds();
    SetBatch batch;
    train_stream_->next(batch);
    keep_rank_share(*data.train, batch, plan_.rank, plan_.ranks);
    waited = train_stream_->wait_seconds() - before;
    if (batch.skipped > 0 && skipped_images_ == 0)
        plan_.warn(
            "unreadable images are skipped during training; the count is in the run log at the "
            "end");
    skipped_images_ += batch.skipped;
    for (const std::string& path : batch.cut)
        if (cut_images_.insert(path).second && cut_images_.size() <= kNamedCutImages)
            plan_.warn("'" + path +
                       "' is a JPEG cut short; its missing part decodes grey (training uses it "
                       "as it is)");
    return batch;
}

// Projection batch k: position k * b in the endless sequence of passes over the split, each
// pass in its own seeded order (one shuffle per pass, not per batch).
std::vector<int64_t> RunBatches::projection_indices(int64_t k) {
    const int64_t n = plan_.data->proj->size(), b = std::min<int64_t>(plan_.batch, n);
    const int64_t pos = k * b, epoch = pos / n, start = pos % n;
    if (epoch != proj_order_epoch_) {
        proj_order_ = epoch_order_indices(n, plan_.seed + 1, epoch);
        proj_order_epoch_ = epoch;
    }
    return {proj_order_.begin() + start, proj_order_.begin() + start + std::min(b, n - start)};
}

Batch RunBatches::projection() {
    const RunSets& data = *plan_.data;
    if (!proj_stream_ || proj_stream_->remaining() == 0) {
        std::vector<BatchJob> jobs;
        for (int64_t k = proj_batches_; k < proj_batches_ + kPlannedProjectionBatches; ++k)
            jobs.push_back({projection_indices(k), 0});
        proj_stream_.reset();
        proj_stream_ = std::make_unique<BatchStream>(
            data.proj, rank_jobs(*data.proj, std::move(jobs), plan_.rank, plan_.ranks),
            Transform::Eval, plan_.stream);
    }
    SetBatch batch;
    proj_stream_->next(batch);
    keep_rank_share(*data.proj, batch, plan_.rank, plan_.ranks);
    proj_share_ = loss_count(batch.labels);
    ++proj_batches_;
    return {to_model_input(batch.images, data.norm,
                           torch::TensorOptions(plan_.device).dtype(plan_.dtype)),
            batch.labels.to(plan_.device)};
}

void RunBatches::set_projection_batches(int64_t count) {
    proj_batches_ = count;
    proj_stream_.reset();  // planned from the old count
}

}  // namespace tpgm
