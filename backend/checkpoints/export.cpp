// SPDX-License-Identifier: GPL-3.0-or-later
#include "checkpoints/export.h"

#include "checkpoints/key_map.h"
#include "checkpoints/safetensors.h"
#include "checkpoints/torch_zip_writer.h"
#include "checkpoints/torchscript.h"

#include <torch/torch.h>

#include <stdexcept>

namespace tpgm {

ExportFormat parse_export_format(const std::string& name) {
    if (name == "torch" || name == "pt" || name == "pth") return ExportFormat::Torch;
    if (name == "safetensors") return ExportFormat::Safetensors;
    if (name == "torchscript" || name == "ts") return ExportFormat::TorchScript;
    throw std::invalid_argument("unknown export format '" + name +
                                "' (torch, safetensors, torchscript)");
}

void export_checkpoint(const std::string& input, const std::string& output, ExportFormat format) {
    if (format == ExportFormat::TorchScript) {
        if (detect_checkpoint_format(input) != CheckpointFormat::TorchScript)
            throw CheckpointError("TorchScript export needs a TorchScript input; '" + input +
                                  "' is " + format_name(detect_checkpoint_format(input)));
        TorchScriptModel::load(input)->save(output);
        return;
    }
    const PretrainedState source = read_pretrained_state(input);
    if (format == ExportFormat::Torch)
        write_torch_file(output, source.state);
    else
        write_safetensors(output, source.state, {{"format", "pt"}});
}

}  // namespace tpgm
