// SPDX-License-Identifier: GPL-3.0-or-later
// TPGM's projection and radius learner (Tian et al., CVPR 2023), exactly as docs/ARCHITECTURE.md
// states it: P(W) = W0 + clamp(g / (n + 1e-8), 0, 1) * (W - W0), one learnable radius g per tensor.
//
// Flat storage: at construction the constrained parameters are re-seated as views into one
// contiguous buffer (they stay the model's own parameters: the optimiser and checkpoints see
// them as before), with W0 and D = W - W0 in matching buffers. Rows (MARS: the first dim of each
// tensor; L2: the whole tensor) are segments of those buffers, so every step of the maths is a
// handful of operations over all tensors at once: O(1) kernel launches on a GPU, no host
// synchronisation, whatever the number of tensors. On the CPU, fused row loops read W and W0 once
// per pass (tpgm_cpu_kernels.cpp).
#pragma once

#include <torch/optim/adam.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tpgm {

// How the distance n of a tensor from its anchor is measured.
enum class NormMode {
    L2,    // n = ||W - W0||_2 over the whole tensor (one value)
    Mars,  // n = sum of |W - W0| over all dims but the first (one value per output row)
};
NormMode norm_mode_from_name(const std::string& name);

// A parameter held near its pre-trained value.
struct ConstrainedTensor {
    std::string name;
    torch::Tensor weight;  // the live parameter, written in place (re-seated into the flat buffer)
    torch::Tensor anchor;  // W0, never written (re-seated into the flat anchor buffer)
};

// Where each row of the flat buffers lies: element offset, length and owning tensor.
struct RowTable {
    std::vector<int64_t> offset, length, tensor;  // per row
    std::vector<int64_t> first_row, rows;         // per tensor
    std::vector<int64_t> task_first_row;          // CPU passes: first row of each task, then R
    torch::Tensor lengths;                        // [R] int64 on the buffers' device
    torch::Tensor row_tensor;                     // [R] int64: owning tensor of each row
    torch::Tensor tensor_rows;                    // [N] int64: rows per tensor
};

// Projects a set of parameters onto per-tensor balls around their anchors and learns the radii.
// No copy of the model: the parameters themselves hold P(W) during the radius update's forward
// pass, and the radius gradient follows from the parameter gradients by the chain rule:
//   dL/dg = sum over rows r of <dL/dP_r, D_r> * 1[g/(n_r+eps) <= 1] / (n_r + eps).
class TpgmProjector {
  public:
    static constexpr double kEps = 1e-8;  // added to n in the projection ratio
    static constexpr double kMinRadius = 1e-8;

    // Every tensor must be on one device in one floating dtype, its anchor beside it.
    TpgmProjector(std::vector<ConstrainedTensor> tensors, NormMode mode, double proj_lr);

    // W <- P(W) with the current radii; initialises them on first use. No autograd graph.
    void apply();
    // Learns the radii for the current W: `iters` times, write P(W) into the parameters, call
    // `forward_backward` (which must zero the parameter gradients, run the model on a held-out
    // batch in eval mode and backpropagate), and take an Adam step on the radii. Ends with
    // W <- P(W) under the new radii. `whole_batch`, when given, turns the radius gradient of this
    // process's share of the held-out batch into the whole batch's (data-parallel ranks).
    void update(int iters, const std::function<void()>& forward_backward,
                const std::function<torch::Tensor(const torch::Tensor&)>& whole_batch = {});

    // dL/dg for the current D, n and radii, from the parameters' .grad (zero where undefined).
    torch::Tensor radius_gradient() const;

    std::size_t size() const { return tensors_.size(); }
    const std::vector<ConstrainedTensor>& tensors() const { return tensors_; }
    bool initialised() const { return initialised_; }
    // Radii [N] (float64 copy on the CPU).
    torch::Tensor radii() const;
    // Replaces the radii (e.g. in tests); marks them initialised.
    void set_radii(const torch::Tensor& radii);
    // Current distance of each W from W0 in this norm (max over rows for MARS).
    std::vector<double> distances() const;

    // The flat buffer every constrained weight is a view of (tests, benchmarks).
    const torch::Tensor& flat_weights() const { return weights_; }
    // Off: the device-independent tensor-op path on the CPU too (tests compare the two).
    void set_cpu_kernels(bool on) { cpu_kernels_ = on; }

    void save(torch::serialize::OutputArchive& archive) const;
    void load(torch::serialize::InputArchive& archive);

  private:
    bool fused() const;
    // Sum of the version counters of the buffer and every weight: changes with any in-place write.
    int64_t version() const;
    // Re-seats a parameter that no longer aliases the flat buffer (e.g. after Module::to).
    void ensure_seated();
    // D <- W - W0 and n <- norm(D) per row; with `project` (the fused CPU pass only), also
    // W <- P(W) under the radii clamped below only (exact, see apply()).
    void measure(bool project);
    // max n per tensor, the radii initialised to min(n)/2 on first use, then clipped.
    void after_measure();
    // g <- clamp(g, kMinRadius, max(n)).
    void clip_radii();
    // W <- W0 + clamp(g/(n+eps), 0, 1) * D.
    void write_projection();
    // clamp(g/(n+eps), 0, 1) per row [R].
    torch::Tensor row_scale() const;

    std::vector<ConstrainedTensor> tensors_;
    NormMode mode_;
    RowTable rows_;
    torch::Tensor weights_, anchors_;  // [T] flat W and W0
    torch::Tensor delta_;              // [T] D = W - W0 at the last measure
    torch::Tensor norm_;               // [R] n per row at the last measure
    torch::Tensor max_norm_;           // [N]
    torch::Tensor radii_;              // [N] leaf, optimised by Adam
    std::unique_ptr<torch::optim::Adam> adam_;
    bool initialised_ = false;
    bool measured_ = false;
    // version() right after the last projection (-1: none yet): while it is unchanged, each
    // row's distance from W0 is its scale times its measured norm.
    int64_t projected_version_ = -1;
    bool cpu_kernels_ = true;
};

}  // namespace tpgm
