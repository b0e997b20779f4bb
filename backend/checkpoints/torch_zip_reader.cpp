// SPDX-License-Identifier: GPL-3.0-or-later
#include "checkpoints/torch_zip_reader.h"

#include "checkpoints/torch_pickle.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace tpgm {
namespace {

using pickle::Node;
using Kind = pickle::Node::Kind;

std::string short_what(const std::exception& e) {
    std::string w = e.what();
    if (const auto* c = dynamic_cast<const c10::Error*>(&e)) w = c->what_without_backtrace();
    const auto nl = w.find('\n');
    if (nl != std::string::npos) w.resize(nl);
    return w.substr(0, 240);
}

// Dict with at least one tensor whose other values are tensors or None.
bool is_state_dict(const Node* n) {
    if (!n || n->kind != Kind::Dict) return false;
    int tensors = 0;
    for (std::size_t k = 0; k < n->items.size(); ++k) {
        if (n->items[k]->kind != Kind::Str) return false;
        if (n->values[k]->kind == Kind::Tensor)
            ++tensors;
        else if (n->values[k]->kind != Kind::None)
            return false;
    }
    return tensors > 0;
}

void collect(const Node* dict, TorchFileContents& out) {
    for (std::size_t k = 0; k < dict->items.size(); ++k) {
        const Node* key = dict->items[k];
        const Node* v = dict->values[k];
        if (key->kind != Kind::Str) continue;
        if (v->kind == Kind::Tensor)
            out.state.emplace_back(key->s, v->tensor);
        else
            out.ignored.push_back(key->s);
    }
}

TorchFileContents extract(const Node* root) {
    TorchFileContents out;
    if (root->kind == Kind::Object)
        throw CheckpointError("the pickle's top-level object is built by the non-tensor global '" +
                              root->s +
                              "' (never called: only dicts of tensors are read; for a whole "
                              "nn.Module, save model.state_dict() instead)");
    if (root->kind != Kind::Dict)
        throw CheckpointError("the pickled object is not a dict of tensors");
    for (const Node* k : root->items)
        if (k->kind == Kind::Str) out.top_level_keys.push_back(k->s);
    if (is_state_dict(root)) {
        collect(root, out);
        return out;
    }
    static const char* kWrappers[] = {
        "state_dict", "model",   "model_state", "model_state_dict", "module",
        "net",        "network", "params",      "weights",          "state_dict_ema",
        "model_ema",  "ema",     "teacher",     "student"};
    for (const char* w : kWrappers) {
        const Node* inner = root->get(w);
        if (is_state_dict(inner)) {
            out.wrapper = w;
            collect(inner, out);
            return out;
        }
        if (inner && inner->kind == Kind::Dict)
            for (const char* w2 : kWrappers)
                if (is_state_dict(inner->get(w2))) {
                    out.wrapper = std::string(w) + "." + w2;
                    collect(inner->get(w2), out);
                    return out;
                }
    }
    for (std::size_t k = 0; k < root->items.size(); ++k)
        if (root->items[k]->kind == Kind::Str && is_state_dict(root->values[k])) {
            out.wrapper = root->items[k]->s;
            collect(root->values[k], out);
            return out;
        }
    collect(root, out);  // a mixed dict: keep its tensors
    if (out.state.empty()) throw CheckpointError("the file holds no tensors");
    return out;
}

TorchFileContents read_with(caffe2::serialize::PyTorchStreamReader& reader) {
    if (!reader.hasRecord("data.pkl")) {
        if (reader.hasRecord("constants.pkl") || reader.hasRecord("code/"))
            throw CheckpointError("this is a TorchScript archive, not a torch.save file");
        throw CheckpointError("the zip archive has no data.pkl: not a torch.save file");
    }
    auto [pkl_ptr, pkl_size] = reader.getRecord("data.pkl");
    const std::string pkl(static_cast<const char*>(pkl_ptr.get()), pkl_size);
    pickle::Arena arena;
    auto load = [&](const std::string& key) {
        for (char c : key)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
                throw std::runtime_error("bad storage key '" + key.substr(0, 40) + "'");
        const std::string name = "data/" + key;
        if (!reader.hasRecord(name))
            throw std::runtime_error("storage record " + name + " is missing");
        auto [ptr, size] = reader.getRecord(name);
        torch::Tensor raw = torch::empty({static_cast<int64_t>(size)}, torch::kUInt8);
        if (size) std::memcpy(raw.data_ptr(), ptr.get(), size);
        return raw;
    };
    const Node* root = pickle::unpickle(pkl, arena, load);
    return extract(root);
}

bool is_zip_bytes(const char* p, std::size_t n) {
    return n >= 4 && std::memcmp(p, "PK\x03\x04", 4) == 0;
}

}  // namespace

bool looks_like_zip(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    return in.gcount() == 4 && is_zip_bytes(magic, 4);
}

std::vector<std::string> zip_records(const std::string& path) {
    try {
        caffe2::serialize::PyTorchStreamReader reader(path);
        return reader.getAllRecords();
    } catch (const std::exception& e) {
        throw CheckpointError("'" + path + "' is not a readable zip archive: " + short_what(e));
    }
}

void check_archive_pickles(const std::string& path) {
    std::vector<std::string> pickles;
    std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader;
    try {
        reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
        for (const auto& record : reader->getAllRecords())
            if (record.size() > 4 && record.compare(record.size() - 4, 4, ".pkl") == 0)
                pickles.push_back(record);
    } catch (const std::exception& e) {
        throw CheckpointError("'" + path + "' is not a readable zip archive: " + short_what(e));
    }
    for (const auto& record : pickles) {
        std::string bytes;
        try {
            auto [data, size] = reader->getRecord(record);
            if (size > kMaxPickleBytes)
                throw CheckpointError("'" + path + "': its " + record + " is " +
                                      std::to_string(size >> 20) + " MiB, beyond the " +
                                      std::to_string(kMaxPickleBytes >> 20) +
                                      " MiB a pickle may take");
            bytes.assign(static_cast<const char*>(data.get()), size);
        } catch (const CheckpointError&) {
            throw;
        } catch (const std::exception& e) {
            throw CheckpointError("'" + path + "': its " + record +
                                  " cannot be read: " + short_what(e));
        }
        try {
            pickle::check_structure(bytes, kMaxPickleDepth);
        } catch (const std::exception& e) {
            throw CheckpointError("'" + path + "' is refused: " + record + ": " + short_what(e));
        }
    }
}

TorchFileContents read_torch_file(const std::string& path) {
    if (!std::filesystem::is_regular_file(path))
        throw CheckpointError("'" + path + "' does not exist or is not a file");
    if (!looks_like_zip(path))
        throw CheckpointError("'" + path +
                              "' is not a zip-format torch.save file (legacy files from "
                              "PyTorch < 1.6 must be re-saved with a current torch.save)");
    try {
        caffe2::serialize::PyTorchStreamReader reader(path);
        return read_with(reader);
    } catch (const CheckpointError& e) {
        throw CheckpointError("'" + path + "': " + e.what());
    } catch (const std::exception& e) {
        throw CheckpointError("'" + path + "' is truncated or malformed: " + short_what(e));
    }
}

TorchFileContents read_torch_bytes(const std::string& bytes) {
    if (!is_zip_bytes(bytes.data(), bytes.size()))
        throw CheckpointError("not a zip-format torch.save file");
    try {
        std::istringstream in(bytes);
        caffe2::serialize::PyTorchStreamReader reader(&in);
        return read_with(reader);
    } catch (const CheckpointError&) {
        throw;
    } catch (const std::exception& e) {
        throw CheckpointError("truncated or malformed torch.save data: " + short_what(e));
    }
}

}  // namespace tpgm
