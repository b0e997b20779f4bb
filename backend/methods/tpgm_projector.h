// SPDX-License-Identifier: GPL-3.0-or-later
// TPGM's projection and radius learner (Tian et al., CVPR 2023), exactly as docs/ARCHITECTURE.md
// states it: P(W) = W0 + clamp(g / (n + 1e-8), 0, 1) * (W - W0), one learnable radius g per tensor.
#pragma once

#include <torch/optim/adam.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <functional>
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
    torch::Tensor weight;  // the live parameter, written in place
    torch::Tensor anchor;  // W0, never written
};

// Projects a set of parameters onto per-tensor balls around their anchors and learns the radii.
// No copy of the model: the parameters themselves hold P(W) during the radius update's forward
// pass, and the radius gradient follows from the parameter gradients by the chain rule:
//   dL/dg = sum over rows r of <dL/dP_r, D_r> * 1[g/(n_r+eps) <= 1] / (n_r + eps).
class TpgmProjector {
  public:
    static constexpr double kEps = 1e-8;  // added to n in the projection ratio
    static constexpr double kMinRadius = 1e-8;

    TpgmProjector(std::vector<ConstrainedTensor> tensors, NormMode mode, double proj_lr);

    // W <- P(W) with the current radii; initialises them on first use. No autograd graph.
    void apply();
    // Learns the radii for the current W: `iters` times, write P(W) into the parameters, call
    // `forward_backward` (which must zero the parameter gradients, run the model on a held-out
    // batch in eval mode and backpropagate), and take an Adam step on the radii. Ends with
    // W <- P(W) under the new radii.
    void update(int iters, const std::function<void()>& forward_backward);

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

    void save(torch::serialize::OutputArchive& archive) const;
    void load(torch::serialize::InputArchive& archive);

  private:
    // D <- W - W0 and n <- norm(D) for every tensor; radii initialised to min(n)/2 on first use.
    void measure();
    // g <- clamp(g, kMinRadius, max(n)).
    void clip_radii();
    // W <- W0 + clamp(g/(n+eps), 0, 1) * D.
    void write_projection();
    torch::Tensor scale(std::size_t i) const;

    std::vector<ConstrainedTensor> tensors_;
    NormMode mode_;
    std::vector<torch::Tensor> delta_;  // persistent D buffers, viewed [rows, cols]
    std::vector<torch::Tensor> norm_;   // n per tensor, [rows, 1]
    torch::Tensor max_norm_;            // [N]
    torch::Tensor radii_;               // [N] leaf, optimised by Adam
    std::unique_ptr<torch::optim::Adam> adam_;
    bool initialised_ = false;
};

}  // namespace tpgm
