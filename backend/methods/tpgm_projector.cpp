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
    measure();
    clip_radii();
    write_projection();
}

torch::Tensor TpgmProjector::radius_gradient() const {
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> grads;
    for (std::size_t i = 0; i < tensors_.size(); ++i) {
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
