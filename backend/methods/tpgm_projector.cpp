// SPDX-License-Identifier: GPL-3.0-or-later
#include "methods/tpgm_projector.h"

#include "methods/tpgm_cpu_kernels.h"

#include <torch/torch.h>

#include <stdexcept>

namespace tpgm {
namespace {

// Reduces consecutive segments of `data` of the given lengths ("sum", "max", "min"); `unsafe`
// skips the check that the lengths add up, which would synchronise with a GPU.
torch::Tensor segments(const torch::Tensor& data, c10::string_view reduce,
                       const torch::Tensor& lengths) {
    return at::segment_reduce(data, reduce, lengths, {}, {}, 0, /*unsafe=*/true);
}

torch::Tensor device_index(const std::vector<int64_t>& values, const torch::Device& device) {
    return torch::tensor(values, torch::kInt64).to(device);
}

// The `like`-shaped view of `flat` starting at element `offset`.
torch::Tensor flat_view(const torch::Tensor& flat, int64_t offset, const torch::Tensor& like) {
    return flat.narrow(0, offset, like.numel()).view(like.sizes());
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
    auto options = tensors_.empty() ? torch::TensorOptions().dtype(torch::kFloat)
                                    : tensors_.front().weight.options().requires_grad(false);
    int64_t total = 0;
    for (std::size_t i = 0; i < tensors_.size(); ++i) {
        const auto& t = tensors_[i];
        TORCH_CHECK(t.weight.sizes() == t.anchor.sizes(), "TPGM: ", t.name,
                    " and its anchor differ in shape");
        TORCH_CHECK(t.weight.numel() > 0, "TPGM: ", t.name, " is empty");
        TORCH_CHECK(t.weight.device() == options.device() &&
                        t.anchor.device() == options.device() &&
                        t.weight.scalar_type() == options.dtype() &&
                        t.anchor.scalar_type() == options.dtype() &&
                        at::isFloatingType(t.weight.scalar_type()),
                    "TPGM: ", t.name,
                    " must be on the same device in the same floating type as the other "
                    "constrained tensors and its anchor");
        // Rows: MARS takes the first dim (a 0-D tensor is one row), L2 the whole tensor.
        const int64_t rows = (mode_ == NormMode::Mars && t.weight.dim() > 0) ? t.weight.size(0) : 1;
        const int64_t cols = t.weight.numel() / rows;
        rows_.first_row.push_back(static_cast<int64_t>(rows_.offset.size()));
        rows_.rows.push_back(rows);
        for (int64_t r = 0; r < rows; ++r) {
            rows_.offset.push_back(total + r * cols);
            rows_.length.push_back(cols);
            rows_.tensor.push_back(static_cast<int64_t>(i));
        }
        total += t.weight.numel();
    }
    // Re-seat every weight and anchor as a view of the flat buffers: the same tensor objects
    // (the model's parameters, the optimiser's references), their storage now shared. One
    // buffer at a time, each old storage freed as it is replaced, so that set-up never holds
    // more than the steady state's extra W0 and D.
    auto seat = [&](torch::Tensor& flat, auto member) {
        flat = torch::empty({total}, options);
        int64_t offset = 0;
        for (auto& t : tensors_) {
            torch::Tensor& tensor = t.*member;
            flat_view(flat, offset, tensor).copy_(tensor);
            tensor.set_data(flat_view(flat, offset, tensor));
            offset += tensor.numel();
        }
    };
    seat(weights_, &ConstrainedTensor::weight);
    seat(anchors_, &ConstrainedTensor::anchor);
    delta_ = torch::empty_like(weights_);
    const auto device = options.device();
    rows_.task_first_row = cpu::plan_tasks(rows_);
    rows_.lengths = device_index(rows_.length, device);
    rows_.row_tensor = device_index(rows_.tensor, device);
    rows_.tensor_rows = device_index(rows_.rows, device);
    norm_ = torch::zeros({static_cast<int64_t>(rows_.offset.size())}, options);
    // Radii live beside the weights, in their precision (float64 in the gradient checks).
    radii_ = torch::zeros({static_cast<int64_t>(tensors_.size())}, options).requires_grad_(true);
    max_norm_ = torch::zeros_like(radii_).detach();
    adam_ = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{radii_},
                                                 torch::optim::AdamOptions(proj_lr));
}

int64_t TpgmProjector::version() const {
    // Each re-seated parameter keeps its own version counter (set_data does not share the
    // buffer's), so in-place writes through it bump that one.
    int64_t sum = weights_._version();
    for (const auto& t : tensors_) sum += t.weight._version();
    return sum;
}

bool TpgmProjector::fused() const {
    return cpu_kernels_ && weights_.is_cpu() && !tensors_.empty();
}

void TpgmProjector::ensure_seated() {
    torch::NoGradGuard no_grad;
    const auto bytes = static_cast<int64_t>(weights_.element_size());
    for (std::size_t i = 0; i < tensors_.size(); ++i) {
        auto& w = tensors_[i].weight;
        const int64_t offset = rows_.offset[rows_.first_row[i]];
        const auto* expected = static_cast<const char*>(weights_.data_ptr()) + offset * bytes;
        if (w.data_ptr() == expected) continue;
        // Something gave the parameter new storage (e.g. Module::to): take its values back in.
        TORCH_CHECK(w.device() == weights_.device() && w.scalar_type() == weights_.scalar_type(),
                    "TPGM: ", tensors_[i].name,
                    " moved to another device or type after the projection was set up");
        flat_view(weights_, offset, w).copy_(w);
        w.set_data(flat_view(weights_, offset, w));
    }
}

void TpgmProjector::measure(bool project) {
    torch::NoGradGuard no_grad;
    ensure_seated();
    if (fused()) {
        cpu::measure_rows(rows_, mode_ == NormMode::Mars, weights_, anchors_, delta_, norm_,
                          project ? radii_.detach() : torch::Tensor());
    } else {
        at::sub_out(delta_, weights_, anchors_);
        norm_ = mode_ == NormMode::Mars ? segments(delta_.abs(), "sum", rows_.lengths)
                                        : segments(delta_.square(), "sum", rows_.lengths).sqrt_();
    }
    measured_ = true;
}

void TpgmProjector::after_measure() {
    torch::NoGradGuard no_grad;
    if (tensors_.empty()) return;
    max_norm_ = segments(norm_, "max", rows_.tensor_rows);
    if (!initialised_) {
        radii_.copy_(segments(norm_, "min", rows_.tensor_rows) / 2);
        initialised_ = true;
    }
    clip_radii();
}

void TpgmProjector::clip_radii() {
    torch::NoGradGuard no_grad;
    radii_.clamp_min_(kMinRadius);
    radii_.copy_(torch::minimum(radii_, max_norm_));
}

torch::Tensor TpgmProjector::row_scale() const {
    return (radii_.detach().index_select(0, rows_.row_tensor) / (norm_ + kEps)).clamp_(0.0, 1.0);
}

void TpgmProjector::write_projection() {
    torch::NoGradGuard no_grad;
    if (tensors_.empty()) return;
    if (fused()) {
        cpu::project_rows(rows_, weights_, anchors_, delta_, row_scale());
        return;
    }
    const auto per_element = at::repeat_interleave(row_scale(), rows_.lengths, 0, weights_.numel());
    at::addcmul_out(weights_, anchors_, delta_, per_element);
}

void TpgmProjector::apply() {
    if (tensors_.empty()) return;
    if (!fused()) {
        measure(false);
        after_measure();
        write_projection();
        projected_version_ = version();
        return;
    }
    // One pass over W and W0: the lower clip does not depend on the norms, and the upper clip
    // (g <= max n) changes nothing a row pass with the unclipped g would do, since no row is
    // then above g. The first call still needs min(n) before any row moves, so it measures
    // first and projects in a second pass. D is not kept (apply() needs no radius gradient).
    torch::NoGradGuard no_grad;
    ensure_seated();
    torch::Tensor no_delta;
    if (!initialised_) {
        cpu::measure_rows(rows_, mode_ == NormMode::Mars, weights_, anchors_, no_delta, norm_, {});
        after_measure();
    }
    radii_.clamp_min_(kMinRadius);
    cpu::measure_rows(rows_, mode_ == NormMode::Mars, weights_, anchors_, no_delta, norm_,
                      radii_.detach());
    measured_ = false;  // norms of the pre-projection W, no D: no radius gradient from here
    after_measure();
    projected_version_ = version();
}

torch::Tensor TpgmProjector::radius_gradient() const {
    torch::NoGradGuard no_grad;
    TORCH_CHECK(measured_, "TPGM: radius_gradient() is only valid inside update()'s callback");
    if (tensors_.empty()) return torch::zeros_like(radii_);
    std::vector<torch::Tensor> grads;
    for (const auto& t : tensors_) grads.push_back(t.weight.grad());
    torch::Tensor dots;
    if (fused()) {
        dots = cpu::row_dots(rows_, grads, delta_);
    } else {
        std::vector<torch::Tensor> flat;
        for (std::size_t i = 0; i < grads.size(); ++i)
            flat.push_back(grads[i].defined()
                               ? grads[i].reshape(-1)
                               : torch::zeros({tensors_[i].weight.numel()}, weights_.options()));
        dots = segments(torch::cat(flat).mul_(delta_), "sum", rows_.lengths);
    }
    const auto ratio = radii_.detach().index_select(0, rows_.row_tensor) / (norm_ + kEps);
    // clamp's derivative is 1 inside [0, 1] (bounds included, as in PyTorch) and 0 outside.
    const auto inside = (ratio >= 0).logical_and(ratio <= 1).to(dots.dtype());
    return segments(dots * inside / (norm_ + kEps), "sum", rows_.tensor_rows);
}

void TpgmProjector::update(int iters, const std::function<void()>& forward_backward,
                           const std::function<torch::Tensor(const torch::Tensor&)>& whole_batch) {
    if (tensors_.empty()) return;
    // On the CPU the first projection rides along the measuring pass, while the rows are in
    // cache (radii clamped below; the upper clip cannot change it, see apply()).
    const bool project_while_measuring = fused() && initialised_;
    if (project_while_measuring) {
        torch::NoGradGuard no_grad;
        radii_.clamp_min_(kMinRadius);
    }
    measure(project_while_measuring);
    after_measure();
    for (int it = 0; it < iters; ++it) {
        if (it > 0 || !project_while_measuring) {
            clip_radii();
            write_projection();
        }
        forward_backward();
        auto grad = radius_gradient();
        if (whole_batch) grad = whole_batch(grad);
        adam_->zero_grad();
        radii_.mutable_grad() = grad;
        adam_->step();
    }
    clip_radii();
    write_projection();
    projected_version_ = version();
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
    if (tensors_.empty()) return {};
    torch::Tensor norms;
    if (version() == projected_version_) {
        norms = norm_ * row_scale();  // nothing wrote W since the projection: no pass over it
    } else if (fused()) {             // one read of W and W0, no temporary of their size
        norms = torch::empty_like(norm_);
        torch::Tensor w = weights_, no_delta;
        cpu::measure_rows(rows_, mode_ == NormMode::Mars, w, anchors_, no_delta, norms, {});
    } else {
        const auto d = weights_ - anchors_;
        norms = mode_ == NormMode::Mars ? segments(d.abs(), "sum", rows_.lengths)
                                        : segments(d.square(), "sum", rows_.lengths).sqrt_();
    }
    auto all =
        segments(norms, "max", rows_.tensor_rows).to(torch::kCPU, torch::kDouble).contiguous();
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
