// SPDX-License-Identifier: GPL-3.0-or-later
#include "checkpoints/torch_zip_writer.h"

#include "checkpoints/torch_pickle.h"
#include "files/atomic_file.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>

#include <filesystem>

namespace tpgm {
namespace {

// Protocol-2 pickle emitter for the few shapes a state dict needs.
class Pickler {
  public:
    std::string out;

    void op(char c) { out.push_back(c); }
    void global(const std::string& module, const std::string& name) {
        op('c');
        out += module + "\n" + name + "\n";
    }
    void str(const std::string& s) {
        op('X');
        le(s.size(), 4);
        out += s;
    }
    void integer(int64_t v) {
        if (v >= 0 && v < 256) {
            op('K');
            le(static_cast<uint64_t>(v), 1);
        } else if (v >= INT32_MIN && v <= INT32_MAX) {
            op('J');
            le(static_cast<uint64_t>(static_cast<uint32_t>(static_cast<int32_t>(v))), 4);
        } else {
            op('\x8a');
            op(8);
            le(static_cast<uint64_t>(v), 8);
        }
    }
    void int_tuple(c10::IntArrayRef v) {
        op('(');
        for (int64_t x : v) integer(x);
        op('t');
    }
    void le(uint64_t v, int n) {
        for (int k = 0; k < n; ++k) out.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
    }
};

}  // namespace

std::string torch_file_bytes(const StateDict& state) {
    Pickler p;
    std::vector<torch::Tensor> storages;
    p.op('\x80');
    p.op(2);
    p.global("collections", "OrderedDict");
    p.op(')');
    p.op('R');
    if (!state.empty()) p.op('(');
    for (const auto& [name, tensor] : state) {
        if (!tensor.defined()) throw CheckpointError("tensor '" + name + "' is undefined");
        torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
        std::string cls;
        try {
            cls = pickle::storage_class(t.scalar_type());
        } catch (const std::invalid_argument& e) {
            throw CheckpointError("tensor '" + name + "': " + e.what());
        }
        const std::string key = std::to_string(storages.size());
        storages.push_back(t);
        p.str(name);
        p.global("torch._utils", "_rebuild_tensor_v2");
        p.op('(');
        p.op('(');  // persistent id
        p.str("storage");
        p.global("torch", cls);
        p.str(key);
        p.str("cpu");
        p.integer(t.numel());
        p.op('t');
        p.op('Q');
        p.integer(0);
        p.int_tuple(t.sizes());
        p.int_tuple(t.strides());
        p.op('\x89');  // requires_grad=False
        p.global("collections", "OrderedDict");
        p.op(')');
        p.op('R');
        p.op('t');
        p.op('R');
    }
    if (!state.empty()) p.op('u');
    p.op('.');

    std::string zip;
    try {
        caffe2::serialize::PyTorchStreamWriter writer([&](const void* buf, size_t n) {
            zip.append(static_cast<const char*>(buf), n);
            return n;
        });
        writer.writeRecord("data.pkl", p.out.data(), p.out.size());
        static const char kLittle[] = "little";
        writer.writeRecord("byteorder", kLittle, sizeof kLittle - 1);
        for (std::size_t k = 0; k < storages.size(); ++k)
            writer.writeRecord("data/" + std::to_string(k), storages[k].data_ptr(),
                               storages[k].numel() * storages[k].element_size());
        writer.writeEndOfFile();
    } catch (const c10::Error& e) {
        throw CheckpointError(std::string("could not write the zip archive: ") +
                              e.what_without_backtrace());
    }
    return zip;
}

void write_torch_file(const std::string& path, const StateDict& state) {
    const std::string bytes = torch_file_bytes(state);
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    write_file_atomically(path, bytes);
}

}  // namespace tpgm
