// SPDX-License-Identifier: GPL-3.0-or-later
// Subcommands of tpgm-cli; each registers itself on the CLI11 app and lives in its own file.
#pragma once

#include <CLI/CLI.hpp>

void register_finetune_command(CLI::App& app);
void register_eval_command(CLI::App& app);
void register_compare_command(CLI::App& app);
void register_demo_command(CLI::App& app);
void register_info_commands(CLI::App& app);  // config, models
void register_bench_command(CLI::App& app);  // bench train (+ the corruption benchmark)
void register_bench_corruptions(CLI::App& bench);
void register_bench_loader(CLI::App& bench);
void register_bench_data_parallel(CLI::App& bench);
void register_corrupt_command(CLI::App& app);
void register_inspect_command(CLI::App& app);
void register_hard_subset_command(
    CLI::App& app);  // ImageNet-A-style hard subsets  // what a checkpoint holds and how it loads
void register_export_command(CLI::App& app);      // torch.save / safetensors / TorchScript export
void register_tb_export_command(CLI::App& app);   // a run's tb/ TensorBoard events
void register_predict_command(CLI::App& app);     // label maps / top-5 of a run on images
void register_completion_command(CLI::App& app);  // bash completion script
// The bash completion script of `app` (its subcommands, options and the config keys).
std::string bash_completion_script(const CLI::App& app);
