// SPDX-License-Identifier: GPL-3.0-or-later
// tpgm-cli export: converts a checkpoint to torch.save (Python's torch.load reads it), safetensors,
// or TorchScript (when the input is TorchScript).
#include "commands.h"

#include "checkpoints/export.h"
#include "checkpoints/key_map.h"

#include <iostream>
#include <memory>

void register_export_command(CLI::App& app);

namespace {
struct ExportOptions {
    std::string input;
    std::string format = "torch";
    std::string output;
};
}  // namespace

void register_export_command(CLI::App& app) {
    auto opts = std::make_shared<ExportOptions>();
    auto* cmd = app.add_subcommand(
        "export", "Write a checkpoint's weights as torch.save, safetensors or TorchScript");
    cmd->add_option("checkpoint,--checkpoint", opts->input,
                    "Input checkpoint (any format `inspect` reads)")
        ->required();
    cmd->add_option("--format", opts->format, "torch | safetensors | torchscript")
        ->check(CLI::IsMember({"torch", "safetensors", "torchscript"}));
    cmd->add_option("--output", opts->output, "Output file (written atomically)")->required();
    cmd->callback([opts] {
        tpgm::export_checkpoint(opts->input, opts->output, tpgm::parse_export_format(opts->format));
        std::cout << "wrote " << opts->output << " (" << opts->format << ")\n";
    });
}
