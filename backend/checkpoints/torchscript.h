// SPDX-License-Identifier: GPL-3.0-or-later
// TorchScript archives (torch.jit.save) as fine-tunable classifiers: the scripted module runs the
// forward pass, its parameters and buffers are mirrored (same tensors, same names) in this
// torch::nn::Module so that optimisers, methods and load_state_dict see them, the classification
// head can be replaced, and the result saved back as TorchScript. torch/script.h stays in the .cpp.
#pragma once

#include "checkpoints/checkpoint.h"
#include "models/classifier.h"

#include <memory>
#include <string>

namespace tpgm {

// A TorchScript archive as a fine-tunable classifier.
class TorchScriptModel : public Classifier {
  public:
    // Throws CheckpointError for a missing or malformed archive.
    static std::shared_ptr<TorchScriptModel> load(const std::string& path);
    ~TorchScriptModel() override;

    torch::Tensor forward(torch::Tensor images) override;
    // Replaces the head (by default the last 2-D parameter's module, e.g. "fc") by a freshly
    // initialised linear layer with `num_classes` outputs.
    void reset_head(int64_t num_classes) override;
    int64_t num_classes() const override;
    std::string head_prefix() const override;
    void train(bool on = true) override;
    // Saves the scripted module with its current weights, atomically.
    void save(const std::string& path) const;

  private:
    TorchScriptModel();
    void mirror();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tpgm
