// SPDX-License-Identifier: GPL-3.0-or-later
// Writer for state dicts in PyTorch's torch.save zip format, readable by Python's torch.load
// (also with weights_only=True): an OrderedDict of tensors pickled with protocol 2.
#pragma once

#include "checkpoints/checkpoint.h"

#include <string>

namespace tpgm {

// The bytes of a torch.save file holding `state` (tensors are moved to the CPU and made
// contiguous). Throws CheckpointError for a dtype torch.save storages cannot hold.
std::string torch_file_bytes(const StateDict& state);
// Writes them to `path` atomically.
void write_torch_file(const std::string& path, const StateDict& state);

}  // namespace tpgm
