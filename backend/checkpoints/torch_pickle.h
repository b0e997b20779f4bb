// SPDX-License-Identifier: GPL-3.0-or-later
// A restricted pickle machine for the data.pkl of torch.save files. It understands the opcodes
// Python's pickler emits for dicts, lists, tuples, numbers, strings and torch tensors, treats
// every other global as an opaque object, and validates every stack, memo and storage access.
// Internal to checkpoints/: use torch_zip_reader.h.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tpgm::pickle {

struct Node {
    enum class Kind {
        None,
        Bool,
        Int,
        Float,
        Str,
        Bytes,
        Tuple,
        List,
        Dict,
        Global,
        Object,
        Storage,
        Tensor
    };
    Kind kind = Kind::None;
    int64_t i = 0;              // Int, Bool; Storage: element count
    double f = 0;               // Float
    std::string s;              // Str, Bytes, Global ("module.name"), Object (its class),
                                // Storage (record key)
    std::vector<Node*> items;   // Tuple, List; Dict keys
    std::vector<Node*> values;  // Dict values
    torch::Tensor tensor;       // Tensor
    c10::ScalarType dtype = c10::ScalarType::Undefined;  // Storage

    // The value of a Dict for string key `key`, or nullptr.
    Node* get(const std::string& key) const;
};

// Owns every node of one unpickling, so that hostile nesting or cycles cannot overflow the stack
// on destruction or leak.
class Arena {
  public:
    Node* make(Node::Kind kind);

  private:
    std::vector<std::unique_ptr<Node>> nodes_;
};

// Returns the bytes of storage record `key` (e.g. "0" for "data/0") as a uint8 tensor.
using StorageLoader = std::function<torch::Tensor(const std::string& key)>;

// Runs `bytes` to its STOP and returns the result. Throws std::runtime_error on anything
// malformed: unknown opcode, stack or memo misuse, a tensor outside its storage, an unknown dtype.
Node* unpickle(const std::string& bytes, Arena& arena, const StorageLoader& load_storage);

// LibTorch's own unpickler (TorchScript archives, the workbench's checkpoints) builds nested
// values by recursion and sizes its memo by the largest index it sees: a 6 KB file nested a
// million deep crashed it, a memo index of 2^28 took 4 GB. This walks `bytes` as that unpickler
// would build it, building nothing, and throws std::runtime_error naming the first limit broken:
// nesting deeper than `max_depth` (counted on the final object graph, so references through the
// memo cannot hide depth), a reference cycle, a memo index beyond the pickle's own size, a stack
// or mark misuse, or an opcode outside the set torch's picklers emit. Returns the nesting depth.
std::size_t check_structure(const std::string& bytes, std::size_t max_depth);

// Element type of a torch storage class ("torch.FloatStorage"); Undefined if unknown.
c10::ScalarType storage_dtype(const std::string& global);
// The storage class name for a dtype ("FloatStorage"); throws for unsupported ones.
std::string storage_class(c10::ScalarType dtype);

namespace detail {
// Used by the opcode machine (torch_pickle.cpp); defined in torch_pickle_objects.cpp.
// BINPERSID: validates the persistent id and loads (once per key) the storage's bytes.
Node* load_storage(Arena& arena, Node* pid, const StorageLoader& load,
                   std::map<std::string, Node*>& cache);
// REDUCE / NEWOBJ: dicts, tensors (checked against their storage), parameters, opaque objects.
Node* reduce_global(Arena& arena, Node* fn, Node* args);
}  // namespace detail

}  // namespace tpgm::pickle
