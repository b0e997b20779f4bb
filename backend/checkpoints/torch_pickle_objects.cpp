// SPDX-License-Identifier: GPL-3.0-or-later
// The objects torch.save pickles: storages (persistent ids), rebuilt tensors, and every other
// global reduced to a dict or an opaque object. Split from torch_pickle.cpp's opcode machine.
#include "checkpoints/torch_pickle.h"

#include <torch/torch.h>

#include <map>
#include <stdexcept>

namespace tpgm::pickle {
namespace {

using Kind = Node::Kind;

constexpr int64_t kMaxDims = 32;
constexpr int64_t kMaxElements = int64_t{1} << 40;

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("pickle: " + what);
}

const std::vector<std::pair<std::string, c10::ScalarType>>& storage_table() {
    static const std::vector<std::pair<std::string, c10::ScalarType>> t = {
        {"FloatStorage", c10::kFloat}, {"DoubleStorage", c10::kDouble},
        {"HalfStorage", c10::kHalf},   {"BFloat16Storage", c10::kBFloat16},
        {"LongStorage", c10::kLong},   {"IntStorage", c10::kInt},
        {"ShortStorage", c10::kShort}, {"CharStorage", c10::kChar},
        {"ByteStorage", c10::kByte},   {"BoolStorage", c10::kBool},
    };
    return t;
}
}  // namespace

namespace detail {

// ('storage', <class>, key, location, numel)
Node* load_storage(Arena& arena, Node* pid, const StorageLoader& load,
                   std::map<std::string, Node*>& cache) {
    if (pid->kind != Kind::Tuple || pid->items.size() < 5 || pid->items[0]->kind != Kind::Str ||
        pid->items[0]->s != "storage" || pid->items[1]->kind != Kind::Global ||
        pid->items[2]->kind != Kind::Str || pid->items[4]->kind != Kind::Int)
        fail("unrecognised persistent id");
    const std::string& key = pid->items[2]->s;
    const c10::ScalarType dtype = storage_dtype(pid->items[1]->s);
    if (dtype == c10::ScalarType::Undefined) fail("unsupported storage type " + pid->items[1]->s);
    const int64_t numel = pid->items[4]->i;
    if (numel < 0 || numel > kMaxElements) fail("storage " + key + " has an absurd size");
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    Node* s = arena.make(Kind::Storage);
    s->s = key;
    s->dtype = dtype;
    s->i = numel;
    const torch::Tensor raw = load(key);
    const int64_t need = numel * static_cast<int64_t>(c10::elementSize(dtype));
    if (raw.numel() < need)
        fail("storage " + key + " holds " + std::to_string(raw.numel()) + " bytes, " +
             std::to_string(need) + " needed");
    s->tensor = raw.narrow(0, 0, need).view(dtype);
    cache[key] = s;
    return s;
}

std::vector<int64_t> ints(Node* t, const char* what) {
    if (t->kind != Kind::Tuple && t->kind != Kind::List)
        fail(std::string(what) + " is not a tuple");
    if (static_cast<int64_t>(t->items.size()) > kMaxDims)
        fail(std::string(what) + " has too many dims");
    std::vector<int64_t> out;
    for (Node* n : t->items) {
        if (n->kind != Kind::Int || n->i < 0 || n->i > kMaxElements)
            fail(std::string(what) + " holds a negative, absurd or non-integer value");
        out.push_back(n->i);
    }
    return out;
}

// _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])
Node* rebuild_tensor(Arena& arena, Node* args) {
    if (args->kind != Kind::Tuple || args->items.size() < 4 ||
        args->items[0]->kind != Kind::Storage || args->items[1]->kind != Kind::Int)
        fail("malformed _rebuild_tensor arguments");
    Node* storage = args->items[0];
    const int64_t offset = args->items[1]->i;
    const auto size = ints(args->items[2], "tensor size");
    const auto stride = ints(args->items[3], "tensor stride");
    if (size.size() != stride.size()) fail("tensor size and stride differ in length");
    if (offset < 0 || offset > storage->i) fail("tensor offset outside its storage");
    __int128 numel = 1, last = offset;
    for (std::size_t d = 0; d < size.size(); ++d) {
        numel *= size[d];
        if (numel > kMaxElements) fail("tensor too large");
        if (size[d] > 0) last += static_cast<__int128>(size[d] - 1) * stride[d];
    }
    if (numel > 0 && last >= storage->i)
        fail("tensor of storage " + storage->s + " reaches past the end of its storage");
    Node* n = arena.make(Kind::Tensor);
    n->tensor = numel == 0 ? torch::empty(size, storage->tensor.options())
                           : storage->tensor.as_strided(size, stride, offset).clone();
    return n;
}

Node* reduce_global(Arena& arena, Node* fn, Node* args) {
    if (fn->kind != Kind::Global) fail("REDUCE on a non-global");
    const std::string& g = fn->s;
    if (g == "collections.OrderedDict" || g == "builtins.dict" || g == "__builtin__.dict")
        return arena.make(Kind::Dict);
    if (g == "torch._utils._rebuild_tensor_v2" || g == "torch._utils._rebuild_tensor")
        return rebuild_tensor(arena, args);
    if (g == "torch._utils._rebuild_parameter" ||
        g == "torch._utils._rebuild_parameter_with_state" || g == "torch.nn.parameter.Parameter") {
        if (args->kind == Kind::Tuple && !args->items.empty() &&
            args->items[0]->kind == Kind::Tensor)
            return args->items[0];
        fail("malformed parameter");
    }
    Node* obj = arena.make(Kind::Object);  // anything else (argparse.Namespace, numpy scalars...)
    obj->s = g;
    return obj;
}

}  // namespace detail

c10::ScalarType storage_dtype(const std::string& global) {
    for (const auto& [name, dtype] : storage_table())
        if (global == "torch." + name) return dtype;
    return c10::ScalarType::Undefined;
}

std::string storage_class(c10::ScalarType dtype) {
    for (const auto& [name, d] : storage_table())
        if (d == dtype) return name;
    throw std::invalid_argument(std::string("no torch storage class for dtype ") +
                                c10::toString(dtype));
}

}  // namespace tpgm::pickle
