// SPDX-License-Identifier: GPL-3.0-or-later
// Data-parallel training over LibTorch's c10d: one process per rank, placed by the environment
// torchrun and SLURM users know (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), a
// TCPStore rendezvous hosted by rank 0, and Gloo collectives. Only this file's .cpp includes c10d.
#pragma once

#include "models/sync_batch_norm.h"

#include <torch/types.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tpgm {

// Where this process stands in a data-parallel run.
struct ProcessPlace {
    int rank = 0;
    int world_size = 1;
    int local_rank = 0;
    int local_world_size = 1;  // processes on this machine (LOCAL_WORLD_SIZE; else world_size)
    std::string master_addr = "127.0.0.1";
    int master_port = 29500;
};

// Reads the environment; world_size 1 when WORLD_SIZE is unset. Throws ConfigError naming the
// variable when one is malformed or missing (RANK without WORLD_SIZE, RANK >= WORLD_SIZE, ...).
ProcessPlace process_place_from_environment();

// Whether this build has a c10d backend (Gloo) to train with more than one process.
bool data_parallel_available();

// A collective failed: another process died, hung past the timeout, or never joined.
struct DistributedError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The process group of a data-parallel run and the collectives the trainer needs. Every method
// is collective: all ranks call it in the same order. Results are bit-identical on all ranks.
class DataParallel {
  public:
    // Joins the rendezvous at place.master_addr:master_port; throws DistributedError when the
    // other ranks do not arrive within `timeout`, which also bounds every later collective.
    // Gradients travel in buckets of at most `bucket_bytes` (PyTorch DDP's 25 MB by default).
    DataParallel(const ProcessPlace& place, std::chrono::milliseconds timeout,
                 int64_t bucket_bytes = 25 << 20);
    ~DataParallel();
    DataParallel(const DataParallel&) = delete;
    DataParallel& operator=(const DataParallel&) = delete;

    int rank() const { return place_.rank; }
    int world_size() const { return place_.world_size; }

    // Element-wise sums of small float64 vectors (losses, counts, flags).
    std::vector<double> sum(std::vector<double> values, const char* what);
    // Overwrites `tensors` with rank 0's values (parameters and buffers at start, BN buffers).
    void broadcast_from_rank0(const std::vector<torch::Tensor>& tensors, const char* what);
    // The average over ranks of `t`, a mean over `weight` examples here, weighted by their
    // number: the mean over every rank's examples (zeros when no rank had any).
    torch::Tensor weighted_average(const torch::Tensor& t, double weight, const char* what);

    // Gradient averaging in buckets that are sent while the backward pass still runs: call
    // watch_gradients() with the trained parameters (again whenever they change), then
    // begin_backward(weight) before loss.backward() and finish_backward(total) after it, which
    // leaves every parameter's grad the weighted average over ranks.
    void watch_gradients(const std::vector<torch::Tensor>& parameters);
    void begin_backward(double weight);
    void finish_backward(double total);

    // Sums over ranks for SyncBatchNorm (SyncableBatchNorm2dImpl::synchronise); lives as long as
    // this group.
    std::shared_ptr<ProcessSum> process_sum();

    // Throws DistributedError naming the first tensor whose bits differ from rank 0's.
    void check_replicas(const std::vector<std::pair<std::string, torch::Tensor>>& named);

    // Seconds spent waiting in collectives so far (communication and waiting for other ranks).
    double communication_seconds() const;

  private:
    struct Impl;
    ProcessPlace place_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tpgm
