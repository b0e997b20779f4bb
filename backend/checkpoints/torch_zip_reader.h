// SPDX-License-Identifier: GPL-3.0-or-later
// Reader for PyTorch's `torch.save` zip format without Python: a small, validating pickle VM for
// the opcodes torch.save emits (protocol 2, and protocol 4's framing), tensors rebuilt from the
// archive's storages. Nothing in the file is executed: globals are recognised by name only.
#pragma once

#include "checkpoints/checkpoint.h"

#include <string>
#include <vector>

namespace tpgm {

// What a torch.save file held.
struct TorchFileContents {
    StateDict state;                          // the state dict's tensors, in file order
    std::string wrapper;                      // "" for a bare state dict, else e.g. "state_dict"
    std::vector<std::string> top_level_keys;  // keys of the pickled top-level dict, if it is one
    std::vector<std::string> ignored;         // non-tensor entries left out of `state`
};

// True when the file starts with a zip local-file header (torch.save, TorchScript, our own).
bool looks_like_zip(const std::string& path);
// Record names of a zip archive without its top-level folder ("data.pkl", "data/0", ...);
// throws CheckpointError for something that is not a readable zip.
std::vector<std::string> zip_records(const std::string& path);

// Nesting limit of the pickles in an archive that LibTorch unpickles itself; real checkpoints and
// TorchScript modules nest a few dozen deep at most.
constexpr std::size_t kMaxPickleDepth = 200;
// Largest pickle record read (tensor data lives in records of its own: a ResNet-50's data.pkl
// is about 30 KB).
constexpr std::size_t kMaxPickleBytes = std::size_t{64} << 20;
// Checks every .pkl record of the zip archive at `path` before LibTorch's own unpickler (which
// recurses and trusts memo indices) reads it: size, nesting depth, memo indices and cycles
// (pickle::check_structure). Throws CheckpointError naming the file, the record and the limit.
void check_archive_pickles(const std::string& path);

// Reads the state dict of a torch.save file (a bare state_dict() OrderedDict, or a dict that
// wraps one under "state_dict", "model", ...). Throws CheckpointError, never crashes, on
// truncated, foreign or hostile input.
TorchFileContents read_torch_file(const std::string& path);
// The same for the bytes of such a file (the fuzz tests use this).
TorchFileContents read_torch_bytes(const std::string& bytes);

}  // namespace tpgm
