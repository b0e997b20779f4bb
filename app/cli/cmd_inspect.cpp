// SPDX-License-Identifier: GPL-3.0-or-later
// tpgm-cli inspect: what a checkpoint file holds (format, tensors) and how it would load into a
// model (the load report: loaded, skipped with reasons, freshly initialised).
#include "commands.h"

#include "checkpoints/key_map.h"
#include "models/registry.h"

#include <iomanip>
#include <iostream>
#include <memory>

void register_inspect_command(CLI::App& app);

namespace {
struct InspectOptions {
    std::string path;
    std::string model;
    int64_t classes = 1000;
    int64_t in_channels = 3;
    std::string rules;
    bool list = false;
};
}  // namespace

void register_inspect_command(CLI::App& app) {
    auto opts = std::make_shared<InspectOptions>();
    auto* cmd = app.add_subcommand(
        "inspect", "Show a checkpoint's format and tensors, and how it loads into a model");
    cmd->add_option("checkpoint,--checkpoint", opts->path,
                    "torch.save zip, TorchScript, safetensors or workbench checkpoint")
        ->required();
    cmd->add_option("--model", opts->model, "Architecture to load into (see `tpgm-cli models`)");
    cmd->add_option("--classes", opts->classes, "Number of classes of that model's head")
        ->check(CLI::Range(int64_t{1}, tpgm::kMaxClasses));
    cmd->add_option("--in-channels", opts->in_channels, "Input channels of that model")
        ->check(CLI::Range(int64_t{1}, tpgm::kMaxInChannels));
    cmd->add_option("--key-rules", opts->rules,
                    "Extra name rules 'from=>to', comma-separated (before the defaults)");
    cmd->add_flag("--list", opts->list, "List every tensor with its shape and dtype");
    cmd->callback([opts] {
        const tpgm::PretrainedState s = tpgm::read_pretrained_state(opts->path);
        int64_t values = 0;
        for (const auto& [name, t] : s.state) values += t.numel();
        std::cout << "format:  " << tpgm::format_name(s.format) << "\n";
        if (s.format == tpgm::CheckpointFormat::TorchScript)
            std::cout << "note:    a TorchScript archive carries code, and LibTorch ran it while "
                         "loading (its __setstate__ methods): open only TorchScript files you "
                         "trust; torch.save and safetensors files run none\n";
        if (!s.wrapper.empty()) std::cout << "wrapper: " << s.wrapper << "\n";
        std::cout << "tensors: " << s.state.size() << " (" << values << " values)\n";
        if (!s.ignored.empty()) std::cout << "non-tensor entries: " << s.ignored.size() << "\n";
        if (opts->list)
            for (const auto& [name, t] : s.state)
                std::cout << "  " << std::left << std::setw(48) << name << " " << t.sizes() << " "
                          << t.dtype() << "\n";
        if (opts->model.empty()) return;
        tpgm::ModelSpec spec;
        spec.name = opts->model;
        spec.num_classes = opts->classes;
        spec.in_channels = opts->in_channels;
        auto model = tpgm::create_model(spec);
        tpgm::PretrainedOptions load;
        auto extra = tpgm::parse_key_rules(opts->rules);
        load.rules.insert(load.rules.begin(), extra.begin(), extra.end());
        const tpgm::LoadReport report = tpgm::load_pretrained(*model, opts->path, load);
        std::cout << "load into " << opts->model << " (" << opts->classes
                  << " classes): " << report.summary() << "\n";
    });
}
