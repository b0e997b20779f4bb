// SPDX-License-Identifier: GPL-3.0-or-later
// tpgm-cli: the headless front end of TPGM Workbench. Every subcommand lives in its own file.
#include "commands.h"

#include "engine/build_info.h"
#include "engine/runtime.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

int main(int argc, char** argv) {
    tpgm::prepare_process();
    // Messages for people go to stderr; stdout carries results (tables, paths).
    spdlog::set_default_logger(spdlog::stderr_color_mt("tpgm-cli"));
    spdlog::set_pattern("%^%l%$: %v");
    CLI::App app{
        "TPGM Workbench: robust fine-tuning of pre-trained vision models (TPGM, Tian et al., CVPR "
        "2023)",
        "tpgm-cli"};
    app.require_subcommand(1);
    app.set_help_all_flag("--help-all", "Show the help of every subcommand");
    app.set_version_flag(
        "--version", [] { return tpgm::version_text(); },
        "Print the version, commit and library versions");
    register_finetune_command(app);
    register_eval_command(app);
    register_compare_command(app);
    register_demo_command(app);
    register_info_commands(app);
    register_bench_command(app);
    register_corrupt_command(app);
    register_inspect_command(app);
    register_hard_subset_command(app);
    register_export_command(app);
    register_tb_export_command(app);
    register_predict_command(app);
    register_completion_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const std::exception& e) {
        spdlog::error("{}", tpgm::error_message(e));
        return 1;
    }
    return 0;
}
