// SPDX-License-Identifier: GPL-3.0-or-later
#include "checkpoints/torchscript.h"

#include "checkpoints/torch_zip_reader.h"
#include "files/atomic_file.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

namespace tpgm {
namespace {

std::string short_what(const c10::Error& e) {
    std::string w = e.what_without_backtrace();
    return w.substr(0, std::min<std::size_t>(w.find('\n'), 240));
}

// Copies the structure of `src` into `dst`: parameters and buffers are the same tensors.
void mirror_into(torch::nn::Module& dst, const torch::jit::Module& src) {
    for (const auto& p : src.named_parameters(false)) dst.register_parameter(p.name, p.value, true);
    for (const auto& b : src.named_buffers(false)) dst.register_buffer(b.name, b.value);
    for (const auto& c : src.named_children()) {
        auto child = std::make_shared<torch::nn::Module>();
        mirror_into(*child, c.value);
        dst.register_module(c.name, child);
    }
}

std::vector<std::string> split_path(std::string prefix) {
    while (!prefix.empty() && prefix.back() == '.') prefix.pop_back();
    std::vector<std::string> parts;
    std::stringstream ss(prefix);
    for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
    return parts;
}

}  // namespace

struct TorchScriptModel::Impl {
    torch::jit::Module module;
    std::string head;  // "fc." etc.
};

TorchScriptModel::TorchScriptModel() : impl_(std::make_unique<Impl>()) {}
TorchScriptModel::~TorchScriptModel() = default;

std::shared_ptr<TorchScriptModel> TorchScriptModel::load(const std::string& path) {
    if (!std::filesystem::is_regular_file(path))
        throw CheckpointError("'" + path + "' does not exist or is not a file");
    check_archive_pickles(path);
    std::shared_ptr<TorchScriptModel> m(new TorchScriptModel());
    try {
        m->impl_->module = torch::jit::load(path, torch::kCPU);
    } catch (const c10::Error& e) {
        throw CheckpointError("'" + path +
                              "' is not a loadable TorchScript archive: " + short_what(e));
    } catch (const std::exception& e) {
        throw CheckpointError("'" + path + "' is not a loadable TorchScript archive: " + e.what());
    }
    if (!m->impl_->module.find_method("forward"))
        throw CheckpointError("'" + path + "' has no forward method");
    std::string head;
    for (const auto& p : m->impl_->module.named_parameters(true))
        if (p.value.dim() == 2) head = p.name;
    if (head.size() > 7 && head.compare(head.size() - 7, 7, ".weight") == 0)
        m->impl_->head = head.substr(0, head.size() - 6);
    m->mirror();
    return m;
}

void TorchScriptModel::mirror() {
    for (const auto& c : impl_->module.named_children()) {
        auto child = std::make_shared<torch::nn::Module>();
        mirror_into(*child, c.value);
        register_module(c.name, child);
    }
    for (const auto& p : impl_->module.named_parameters(false))
        register_parameter(p.name, p.value, true);
    for (const auto& b : impl_->module.named_buffers(false)) register_buffer(b.name, b.value);
}

torch::Tensor TorchScriptModel::forward(torch::Tensor images) {
    auto out = impl_->module.forward({std::move(images)});
    if (out.isTensor()) return out.toTensor();
    if (out.isTuple() && !out.toTupleRef().elements().empty() &&
        out.toTupleRef().elements()[0].isTensor())
        return out.toTupleRef().elements()[0].toTensor();
    throw CheckpointError("the TorchScript model's forward does not return a tensor");
}

std::string TorchScriptModel::head_prefix() const {
    return impl_->head;
}

int64_t TorchScriptModel::num_classes() const {
    for (const auto& p : impl_->module.named_parameters(true))
        if (p.name == impl_->head + "weight") return p.value.size(0);
    return 0;
}

void TorchScriptModel::reset_head(int64_t num_classes) {
    const auto parts = split_path(impl_->head);
    if (parts.empty()) throw CheckpointError("the TorchScript model has no detectable head");
    torch::jit::Module sub = impl_->module;
    std::vector<torch::jit::Module> chain{sub};
    for (const auto& p : parts) {
        if (!sub.hasattr(p) || !sub.attr(p).isModule())
            throw CheckpointError("the TorchScript model has no module '" + impl_->head + "'");
        sub = sub.attr(p).toModule();
        chain.push_back(sub);
    }
    if (!sub.hasattr("weight") || !sub.attr("weight").isTensor() ||
        sub.attr("weight").toTensor().dim() != 2)
        throw CheckpointError("'" + impl_->head + "' is not a linear layer");
    const auto old = sub.attr("weight").toTensor();
    const int64_t in = old.size(1);
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    auto opts = old.options().requires_grad(false);
    torch::Tensor w =
        torch::empty({num_classes, in}, opts).uniform_(-bound, bound).requires_grad_(true);
    sub.register_parameter("weight", w, false);
    if (sub.hasattr("bias") && sub.attr("bias").isTensor())
        sub.register_parameter(
            "bias", torch::empty({num_classes}, opts).uniform_(-bound, bound).requires_grad_(true),
            false);
    try {  // scripted nn.Linear keeps out_features as a constant; forward does not use it
        if (sub.hasattr("out_features") && sub.attr("out_features").isInt())
            sub.setattr("out_features", num_classes);
    } catch (const c10::Error&) {
    }
    // Rebuild the mirror of the head module.
    torch::nn::Module* parent = this;
    for (std::size_t k = 0; k + 1 < parts.size(); ++k)
        parent = parent->named_children()[parts[k]].get();
    auto fresh = std::make_shared<torch::nn::Module>();
    mirror_into(*fresh, sub);
    parent->replace_module(parts.back(), fresh);
}

void TorchScriptModel::train(bool on) {
    torch::nn::Module::train(on);
    impl_->module.train(on);
}

void TorchScriptModel::save(const std::string& path) const {
    std::ostringstream bytes;
    try {
        impl_->module.save(bytes);
    } catch (const c10::Error& e) {
        throw CheckpointError("could not save the TorchScript model: " + short_what(e));
    }
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    write_file_atomically(path, bytes.str());
}

}  // namespace tpgm
