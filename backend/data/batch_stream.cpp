// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/batch_stream.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace tpgm {

using Clock = std::chrono::steady_clock;

struct BatchStream::Impl {
    ImageSetPtr set;
    std::vector<BatchJob> jobs;
    Transform transform;
    StreamOptions options;
    int64_t next_build = 0, consumed = 0;
    bool stop = false;
    std::mutex mu;
    std::condition_variable space, ready;
    std::map<int64_t, SetBatch> results;
    std::map<int64_t, std::exception_ptr> failures;  // a batch's failure, rethrown in its turn
    std::vector<std::thread> workers;

    int64_t total() const { return static_cast<int64_t>(jobs.size()); }

    void work() {
        while (true) {
            int64_t b;
            {
                std::unique_lock<std::mutex> lock(mu);
                space.wait(lock, [&] {
                    return stop || next_build >= total() ||
                           next_build < consumed + options.prefetch;
                });
                if (stop || next_build >= total()) return;
                b = next_build++;
            }
            SetBatch batch;
            std::exception_ptr failure;
            try {
                batch = set->load(jobs[b].indices, transform, jobs[b].seed);
            } catch (...) {
                failure = std::current_exception();
            }
            {
                std::lock_guard<std::mutex> lock(mu);
                if (failure) failures[b] = failure;
                results[b] = std::move(batch);
            }
            ready.notify_all();
        }
    }
};

BatchStream::BatchStream(ImageSetPtr set, std::vector<BatchJob> jobs, Transform transform,
                         StreamOptions options)
    : impl_(std::make_unique<Impl>()) {
    impl_->set = std::move(set);
    impl_->jobs = std::move(jobs);
    impl_->transform = transform;
    impl_->options = options;
    impl_->options.prefetch = std::max(1, options.prefetch);
    for (int t = 0; t < options.threads; ++t)
        impl_->workers.emplace_back([this] { impl_->work(); });
}

BatchStream::~BatchStream() {
    {
        std::lock_guard<std::mutex> lock(impl_->mu);
        impl_->stop = true;
    }
    impl_->space.notify_all();
    for (auto& w : impl_->workers) w.join();
}

int64_t BatchStream::remaining() const {
    return impl_->total() - impl_->consumed;
}

bool BatchStream::next(SetBatch& batch) {
    Impl& s = *impl_;
    if (s.consumed >= s.total()) return false;
    const int64_t want = s.consumed;
    if (s.workers.empty()) {  // synchronous: build it here
        const BatchJob& job = s.jobs[want];
        batch = s.set->load(job.indices, s.transform, job.seed);
        ++s.consumed;
        return true;
    }
    const auto start = Clock::now();
    std::unique_lock<std::mutex> lock(s.mu);
    s.ready.wait(lock, [&] { return s.results.count(want) > 0; });
    if (auto failed = s.failures.find(want); failed != s.failures.end())
        std::rethrow_exception(failed->second);
    batch = std::move(s.results[want]);
    s.results.erase(want);
    ++s.consumed;
    lock.unlock();
    s.space.notify_all();
    wait_seconds_ += std::chrono::duration<double>(Clock::now() - start).count();
    return true;
}

LoaderThroughput drain(BatchStream& stream) {
    LoaderThroughput t;
    const auto start = Clock::now();
    SetBatch batch;
    while (stream.next(batch)) {
        t.images += batch.labels.size(0);
        t.skipped += batch.skipped;
    }
    t.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    t.images_per_second = t.seconds > 0 ? t.images / t.seconds : 0;
    return t;
}

RankShare rank_share(int64_t n, int rank, int ranks) {
    const int64_t first = n * rank / ranks;
    return {first, n * (rank + 1) / ranks - first};
}

std::vector<BatchJob> rank_jobs(const ImageSet& set, std::vector<BatchJob> jobs, int rank,
                                int ranks) {
    if (ranks > 1 && set.augments_per_example())
        for (auto& job : jobs) {
            const RankShare share =
                rank_share(static_cast<int64_t>(job.indices.size()), rank, ranks);
            job.indices = std::vector<int64_t>(job.indices.begin() + share.first,
                                               job.indices.begin() + share.first + share.count);
        }
    return jobs;
}

void keep_rank_share(const ImageSet& set, SetBatch& batch, int rank, int ranks) {
    if (ranks == 1 || set.augments_per_example()) return;
    const RankShare share = rank_share(batch.labels.size(0), rank, ranks);
    batch.images = batch.images.narrow(0, share.first, share.count);
    batch.labels = batch.labels.narrow(0, share.first, share.count);
}

}  // namespace tpgm
