// SPDX-License-Identifier: GPL-3.0-or-later
// Reader and writer for safetensors files (the format timm and Hugging Face ship): an 8-byte
// little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}, then the data.
// Every offset, size and dtype is checked against the file before any tensor is read.
#pragma once

#include "checkpoints/checkpoint.h"

#include <map>
#include <string>

namespace tpgm {

struct SafetensorsContents {
    StateDict state;                              // in data order
    std::map<std::string, std::string> metadata;  // the header's "__metadata__"
};

// True when the file's first 8 bytes are a plausible header length followed by '{'.
bool looks_like_safetensors(const std::string& path);
// Throws CheckpointError for a truncated, inconsistent or hostile file.
SafetensorsContents read_safetensors(const std::string& path);
SafetensorsContents read_safetensors_bytes(const std::string& bytes);

std::string safetensors_bytes(const StateDict& state,
                              const std::map<std::string, std::string>& metadata = {});
// Writes atomically; tensors are moved to the CPU and made contiguous.
void write_safetensors(const std::string& path, const StateDict& state,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace tpgm
