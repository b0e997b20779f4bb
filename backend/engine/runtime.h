// SPDX-License-Identifier: GPL-3.0-or-later
// Process-wide runtime settings: OpenMP wait policy, allocator, threads, device, seeds.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <exception>
#include <string>

namespace tpgm {

// Call first thing in main(), before LibTorch starts its thread pool: sets OMP_WAIT_POLICY=PASSIVE
// unless the user set it (spinning OpenMP threads made a training step ~7x slower beside a busy
// UI thread) and keeps glibc from returning large tensor buffers to the OS after every step.
void prepare_process();
// Intra-op threads; 0 means one per core. Returns the number in use.
int set_threads(int threads);
// auto -> CUDA when LibTorch has it, else CPU; throws std::runtime_error for cuda without CUDA.
torch::Device resolve_device(const std::string& name);
std::string describe_device(const torch::Device& device);
// A run's `precision` setting (float32 | float64) as the dtype of its weights and inputs.
torch::ScalarType resolve_precision(const std::string& name);
// An exception's message for the user: LibTorch's errors without their C++ backtrace.
std::string error_message(const std::exception& e);
// Seeds LibTorch's generators (CPU and CUDA).
void seed_everything(std::uint64_t seed);

}  // namespace tpgm
