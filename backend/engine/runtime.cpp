// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/runtime.h"

#include <malloc.h>

#include <torch/torch.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace tpgm {

void prepare_process() {
    setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0);
    // Thresholds of 1 GB: tensor buffers are reused from the heap instead of mmap/munmap churn.
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    // Subnormal floats are orders of magnitude slower on x86; a ResNet-50 step ran ~10x slower
    // once its activations underflowed. Flushing them to zero costs no accuracy that matters.
    // Threads created later (LibTorch's pool) inherit this floating-point mode.
    at::globalContext().setFlushDenormal(true);
}

int set_threads(int threads) {
    const int n = threads > 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
    torch::set_num_threads(n);
    return n;
}

torch::Device resolve_device(const std::string& name) {
    if (name == "cpu") return torch::kCPU;
    if (name == "cuda") {
        if (!torch::cuda::is_available())
            throw std::runtime_error(
                "device 'cuda' was requested but this LibTorch has no usable CUDA device");
        return torch::kCUDA;
    }
    return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
}

std::string describe_device(const torch::Device& device) {
    if (device.is_cuda()) return "CUDA";
    const int threads = torch::get_num_threads();
    return "CPU, " + std::to_string(threads) + (threads == 1 ? " thread" : " threads");
}

torch::ScalarType resolve_precision(const std::string& name) {
    if (name == "float32") return torch::kFloat;
    if (name == "float64") return torch::kDouble;
    throw std::runtime_error("precision '" + name + "' is not float32 or float64");
}

std::string error_message(const std::exception& e) {
    if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->what_without_backtrace();
    return e.what();
}

void seed_everything(std::uint64_t seed) {
    torch::manual_seed(seed);
    if (torch::cuda::is_available()) torch::cuda::manual_seed_all(seed);
}

}  // namespace tpgm
