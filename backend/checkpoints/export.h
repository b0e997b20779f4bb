// SPDX-License-Identifier: GPL-3.0-or-later
// Exporting weights for use outside the workbench: a torch.save-compatible state dict (Python's
// torch.load reads it), safetensors, or TorchScript when the model came from TorchScript.
#pragma once

#include <string>

namespace tpgm {

enum class ExportFormat { Torch, Safetensors, TorchScript };
// "torch" (also "pt", "pth"), "safetensors", "torchscript"; throws std::invalid_argument.
ExportFormat parse_export_format(const std::string& name);

// Converts a checkpoint in any readable format; TorchScript output needs a TorchScript input.
void export_checkpoint(const std::string& input, const std::string& output, ExportFormat format);

}  // namespace tpgm
