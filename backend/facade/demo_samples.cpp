// SPDX-License-Identifier: GPL-3.0-or-later
#include "facade/demo_samples.h"

#include "data/image_convert.h"
#include "demo/demo_benchmark.h"
#include "engine/runtime.h"

#include <torch/torch.h>

#include <stdexcept>

namespace tpgm::facade {

DemoSamples load_demo_samples(const DemoConfig& demo, int count, const ProgressFn& progress) {
    try {
        const DemoBenchmark b = load_demo_benchmark(demo, progress);
        DemoSamples out;
        out.class_names = b.class_names;
        out.mean = b.norm.mean;
        out.std = b.norm.std;
        const int64_t n = std::min<int64_t>(count, b.id_test.size());
        for (int64_t i = 0; i < n; ++i) {
            out.images.push_back(tensor_to_mat(b.id_test.images[i]).clone());
            out.labels.push_back(static_cast<int>(b.id_test.labels[i].item<int64_t>()));
        }
        return out;
    } catch (const std::runtime_error&) {
        throw;
    } catch (const std::exception& e) {
        throw std::runtime_error(error_message(e));
    }
}

}  // namespace tpgm::facade
