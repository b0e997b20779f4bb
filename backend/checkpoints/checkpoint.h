// SPDX-License-Identifier: GPL-3.0-or-later
// The project's own checkpoints (model spec, weights, resumable training state) and loading
// tensors into a model by name with shape checks.
#pragma once

#include "models/classifier.h"
#include "models/registry.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tpgm {

// A checkpoint that is missing, unreadable, or does not fit the model.
class CheckpointError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Named tensors in module order: parameters first, then buffers, as torch.nn.Module.state_dict.
using StateDict = std::vector<std::pair<std::string, torch::Tensor>>;

// What a load did with each tensor, shown by the CLI and the GUI.
struct LoadReport {
    std::vector<std::string> loaded;
    std::vector<std::pair<std::string, std::string>> skipped;  // name, reason
    std::vector<std::string> initialised;                      // kept the model's own values
    std::string summary() const;
};

StateDict state_dict(const torch::nn::Module& module);
// Copies tensors whose names and shapes match; names in `allow_missing_prefixes` (e.g. a new
// head) may be absent. Throws CheckpointError listing shape mismatches and absent tensors
// outside those prefixes, before changing anything.
LoadReport load_state_dict(torch::nn::Module& module, const StateDict& state,
                           const std::vector<std::string>& allow_missing_prefixes = {});

// Writes spec + weights (+ anything `extra` adds, e.g. optimiser state) atomically.
void save_checkpoint(const std::string& path, const ModelSpec& spec, const torch::nn::Module& model,
                     const std::function<void(torch::serialize::OutputArchive&)>& extra = {});

// A checkpoint read back: the spec, the weights and the archive for extra state.
struct LoadedCheckpoint {
    ModelSpec spec;
    StateDict state;
    torch::serialize::InputArchive archive;
};
// Throws CheckpointError for a missing, truncated or foreign file.
LoadedCheckpoint read_checkpoint(const std::string& path);
// Builds the checkpoint's model and loads its weights.
std::shared_ptr<Classifier> load_model(const std::string& path);
// The same for a checkpoint already read from `path` (named in errors).
std::shared_ptr<Classifier> load_model(const LoadedCheckpoint& ckpt, const std::string& path);

}  // namespace tpgm
