// SPDX-License-Identifier: GPL-3.0-or-later
// The ResNets' BatchNorm: torch::nn::BatchNorm2d's maths, parameter and buffer names, which can
// also normalise with the statistics of a batch spread over several data-parallel processes
// (PyTorch's SyncBatchNorm). Its own module, because Debian's LibTorch does not export what a
// subclass of BatchNorm2dImpl needs to link.
#pragma once

#include <torch/nn/cloneable.h>

#include <iosfwd>
#include <memory>

namespace tpgm {

// Sums a tensor element-wise over the processes of a data-parallel run; a collective, so every
// process calls it in the same order.
class ProcessSum {
  public:
    virtual ~ProcessSum() = default;
    virtual torch::Tensor sum(const torch::Tensor& t) = 0;
};

class SyncableBatchNorm2dImpl : public torch::nn::Cloneable<SyncableBatchNorm2dImpl> {
  public:
    explicit SyncableBatchNorm2dImpl(int64_t features, double eps = 1e-5, double momentum = 0.1);
    void reset() override;
    void pretty_print(std::ostream& stream) const override;
    torch::Tensor forward(const torch::Tensor& input);
    // From now on, training-mode batches are normalised with the statistics over all processes
    // (nullptr: this process's batch only, the default).
    void synchronise(std::shared_ptr<ProcessSum> sum) { sum_ = std::move(sum); }

    torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;

  private:
    int64_t features_;
    double eps_, momentum_;
    std::shared_ptr<ProcessSum> sum_;
};
TORCH_MODULE(SyncableBatchNorm2d);

// Whether `m` is a 2-D batch norm (LibTorch's or ours).
bool is_batch_norm(torch::nn::Module& m);

}  // namespace tpgm
