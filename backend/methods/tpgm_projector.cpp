// SPDX-License-Identifier: GPL-3.0-or-later
#include "methods/tpgm_projector.h"

#include <torch/torch.h>

#include <stdexcept>

namespace tpgm {
namespace {

// [rows, cols] view: MARS treats the first dim as rows, L2 the whole tensor as one row.
torch::Tensor as_rows(const torch::Tensor& t, NormMode mode) {
    const int64_t rows = (mode == NormMode::Mars && t.dim() > 0) ? t.size(0) : 1;
    return t.view({rows, -1});
}

bool on_cpu_and_contiguous(const std::vector<ConstrainedTensor>& tensors) {
    for (const auto& t : tensors) {
        const auto type = t.weight.scalar_type();
        if (!t.weight.device().is_cpu() || !t.weight.is_contiguous() || !t.anchor.is_contiguous() ||
            (type != torch::kFloat && type != torch::kDouble) || t.anchor.scalar_type() != type)
            return false;
    }
    return true;
}

// Row L1 norms of W - W0 in one read of W and W0, without a temporary. With `radius` > 0, rows
// whose norm exceeds it are projected right away, while they are still in cache:
// W <- W0 + g/(n+eps) * (W - W0). Rows with n <= g would be scaled by g/(n+eps) >= 1-eps/(n+eps),
// a move of at most eps in L1, and are left alone.
template <typename T>
void row_norms_and_shrink(T* w, const T* w0, int64_t rows, int64_t cols, T* norms, T radius) {
    at::parallel_for(0, rows, std::max<int64_t>(1, 32768 / cols), [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
            T* a = w + r * cols;
            const T* a0 = w0 + r * cols;
            T sum = 0;
            for (int64_t c = 0; c < cols; ++c) sum += std::abs(a[c] - a0[c]);
            norms[r] = sum;
            if (radius <= 0 || sum <= radius) continue;
            const T scale = radius / (sum + static_cast<T>(TpgmProjector::kEps));
            for (int64_t c = 0; c < cols; ++c) a[c] = a0[c] + scale * (a[c] - a0[c]);
        }
    });
}

}  // namespace

NormMode norm_mode_from_name(const std::string& name) {
    if (name == "mars") return NormMode::Mars;
    if (name == "l2") return NormMode::L2;
    throw std::invalid_argument("unknown TPGM norm '" + name + "' (mars or l2)");
}

TpgmProjector::TpgmProjector(std::vector<ConstrainedTensor> tensors, NormMode mode, double proj_lr)
    : tensors_(std::move(tensors)), mode_(mode) {
    torch::NoGradGuard no_grad;
    for (const auto& t : tensors_) {
        TORCH_CHECK(t.weight.sizes() == t.anchor.sizes(), "TPGM: ", t.name,
                    " and its anchor differ in shape");
        TORCH_CHECK(t.weight.is_contiguous() && t.anchor.is_contiguous(), "TPGM: ", t.name,
                    " must be contiguous");
        delta_.push_back(torch::empty_like(as_rows(t.weight, mode_)));
        norm_.emplace_back();
    }
    // Radii live beside the weights, in their precision (float64 in the gradient checks).
    auto options = tensors_.empty() ? torch::TensorOptions().dtype(torch::kFloat)
                                    : tensors_.front().weight.options();
    radii_ = torch::zeros({static_cast<int64_t>(tensors_.size())}, options.requires_grad(false))
                 .requires_grad_(true);
    max_norm_ = torch::zeros_like(radii_).detach();
    adam_ = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{radii_},
                                                 torch::optim::AdamOptions(proj_lr));
}

void TpgmProjector::measure() {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> max_norms;
    for (std::size_t i = 0; i < tensors_.size(); ++i) {
        const auto& t = tensors_[i];
        at::sub_out(delta_[i], as_rows(t.weight, mode_), as_rows(t.anchor, mode_));
        norm_[i] = mode_ == NormMode::Mars
                       ? at::linalg_vector_norm(delta_[i], 1, {1}, /*keepdim=*/true)
                       : at::linalg_vector_norm(delta_[i], 2, {1}, /*keepdim=*/true);
        max_norms.push_back(norm_[i].max());
    }
    if (tensors_.empty()) return;
    max_norm_ = torch::stack(max_norms).to(radii_.scalar_type());
    if (!initialised_) {
        std::vector<torch::Tensor> half_min;
        for (const auto& n : norm_) half_min.push_back(n.min() / 2);
        radii_.copy_(torch::stack(half_min));
        initialised_ = true;
    }
}

void TpgmProjector::clip_radii() {
    torch::NoGradGuard no_grad;
    radii_.clamp_min_(kMinRadius);
    radii_.copy_(torch::minimum(radii_, max_norm_));
}

torch::Tensor TpgmProjector::scale(std::size_t i) const {
    return (radii_[static_cast<int64_t>(i)] / (norm_[i] + kEps)).clamp(0.0, 1.0);
}

void TpgmProjector::write_projection() {
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < tensors_.size(); ++i) {
        auto w = as_rows(tensors_[i].weight, mode_);
        at::addcmul_out(w, as_rows(tensors_[i].anchor, mode_), delta_[i], scale(i));
    }
}

void TpgmProjector::apply() {
    if (!on_cpu_and_contiguous(tensors_) || tensors_.empty()) {
        measure();
        clip_radii();
        write_projection();
        return;
    }
    // CPU fast path of the same maths, one pass over W and W0 per MARS tensor: the lower clip
    // does not depend on the norms, and the upper clip (g <= max n) changes nothing a row pass
    // with the unclipped g would do, since no row is then above g. The first call still needs
    // min(n) before any row moves, so it measures first and projects in a second pass.
    torch::NoGradGuard no_grad;
    const bool first_use = !initialised_;
    radii_.clamp_min_(kMinRadius);
    AT_DISPATCH_FLOATING_TYPES(radii_.scalar_type(), "tpgm_apply", [&] {
        std::vector<torch::Tensor> norms(tensors_.size()), max_norms;
        auto project = [&](bool measure_only) {
            const scalar_t* g = radii_.data_ptr<scalar_t>();
            for (std::size_t i = 0; i < tensors_.size(); ++i) {
                auto& t = tensors_[i];
                const int64_t rows = as_rows(t.weight, mode_).size(0);
                if (mode_ == NormMode::Mars) {
                    norms[i] = torch::empty({rows}, t.weight.options());
                    row_norms_and_shrink(
                        t.weight.data_ptr<scalar_t>(), t.anchor.data_ptr<scalar_t>(), rows,
                        t.weight.numel() / std::max<int64_t>(rows, 1),
                        norms[i].data_ptr<scalar_t>(), measure_only ? scalar_t(0) : g[i]);
                } else {
                    norms[i] = at::dist(t.weight, t.anchor).view({1});
                    const scalar_t n = norms[i].item<scalar_t>(), radius = std::min(g[i], n);
                    // lerp: W + (1 - s)(W0 - W) = W0 + s (W - W0), one fused pass.
                    if (!measure_only && n > radius)
                        t.weight.lerp_(t.anchor, 1 - radius / (n + kEps));
                }
            }
            max_norms.clear();
            for (const auto& n : norms) max_norms.push_back(n.max());
            max_norm_ = torch::stack(max_norms);
        };
        if (first_use) {
            project(/*measure_only=*/true);
            std::vector<torch::Tensor> half_min;
            for (const auto& n : norms) half_min.push_back(n.min() / 2);
            radii_.copy_(torch::stack(half_min));
            initialised_ = true;
            clip_radii();
        }
        project(/*measure_only=*/false);
        clip_radii();
    });
}

torch::Tensor TpgmProjector::radius_gradient() const {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> grads;
    for (std::size_t i = 0; i < tensors_.size(); ++i) {
        TORCH_CHECK(norm_[i].defined(),
                    "TPGM: radius_gradient() is only valid inside update()'s callback");
        const auto& g = tensors_[i].weight.grad();
        if (!g.defined()) {
            grads.push_back(torch::zeros({}, radii_.options()));
            continue;
        }
        auto row_dot = (as_rows(g, mode_) * delta_[i]).sum(1, /*keepdim=*/true);
        auto ratio = radii_[static_cast<int64_t>(i)] / (norm_[i] + kEps);
        // clamp's derivative is 1 inside [0, 1] (bounds included, as in PyTorch) and 0 outside.
        auto inside = (ratio >= 0).logical_and(ratio <= 1).to(row_dot.dtype());
        grads.push_back((row_dot * inside / (norm_[i] + kEps)).sum().to(radii_.dtype()));
    }
    return tensors_.empty() ? torch::zeros_like(radii_) : torch::stack(grads);
}

void TpgmProjector::update(int iters, const std::function<void()>& forward_backward) {
    measure();
    for (int it = 0; it < iters; ++it) {
        clip_radii();
        write_projection();
        forward_backward();
        auto grad = radius_gradient();
        adam_->zero_grad();
        radii_.mutable_grad() = grad;
        adam_->step();
    }
    clip_radii();
    write_projection();
}

torch::Tensor TpgmProjector::radii() const {
    return radii_.detach().to(torch::kCPU, torch::kDouble);
}

void TpgmProjector::set_radii(const torch::Tensor& radii) {
    torch::NoGradGuard no_grad;
    radii_.copy_(radii.to(radii_.device(), radii_.scalar_type()).view_as(radii_));
    initialised_ = true;
}

std::vector<double> TpgmProjector::distances() const {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> out;
    for (const auto& t : tensors_) {
        auto d = as_rows(t.weight, mode_) - as_rows(t.anchor, mode_);
        out.push_back(mode_ == NormMode::Mars ? at::linalg_vector_norm(d, 1, {1}, false).max()
                                              : at::linalg_vector_norm(d, 2, {}, false));
    }
    if (out.empty()) return {};
    auto all = torch::stack(out).to(torch::kCPU, torch::kDouble).contiguous();
    return {all.data_ptr<double>(), all.data_ptr<double>() + all.numel()};
}

void TpgmProjector::save(torch::serialize::OutputArchive& archive) const {
    archive.write("radii", radii_.detach().cpu());
    archive.write("initialised", c10::IValue(initialised_));
    torch::serialize::OutputArchive adam;
    adam_->save(adam);
    archive.write("adam", adam);
}

void TpgmProjector::load(torch::serialize::InputArchive& archive) {
    torch::Tensor radii;
    archive.read("radii", radii);
    TORCH_CHECK(radii.numel() == radii_.numel(), "TPGM state has ", radii.numel(),
                " radii, the model has ", radii_.numel(), " constrained tensors");
    c10::IValue init;
    archive.read("initialised", init);
    set_radii(radii);
    initialised_ = init.toBool();
    torch::serialize::InputArchive adam;
    archive.read("adam", adam);
    adam_->load(adam);
}

}  // namespace tpgm
