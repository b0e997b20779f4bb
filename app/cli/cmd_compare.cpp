// SPDX-License-Identifier: GPL-3.0-or-later
// tpgm-cli compare: several methods x seeds under one budget, mean and std per set.
// A method entry is a method name optionally followed by overrides: "tpgm@tpgm.proj_lr=0.01".
#include "commands.h"
#include "config/data_sources.h"
#include "console.h"
#include "runs/set_names.h"

#include "engine/comparison.h"
#include "engine/trainer.h"

#include <iomanip>
#include <iostream>
#include <sstream>

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    for (std::string item; std::getline(ss, item, sep);)
        if (!item.empty()) out.push_back(item);
    return out;
}

}  // namespace

void register_compare_command(CLI::App& app) {
    struct Options {
        std::string config, out = "runs/compare", methods = "ft,lp,tpgm";
        std::vector<int> seeds{0, 1, 2};
        std::vector<std::string> overrides;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = app.add_subcommand(
        "compare",
        "Run several methods over several seeds with the same budget and tabulate ID and OOD\n"
        "accuracy (mean +- std); writes <out>/compare.md and one run folder per run");
    cmd->add_option("-c,--config", o->config, "YAML run config shared by every run")
        ->check(CLI::ExistingFile);
    cmd->add_option("-s,--set", o->overrides, "override a config key for every run (repeatable)");
    cmd->add_option("--methods", o->methods,
                    "comma-separated entries, each method[@key=value[@...]]")
        ->capture_default_str();
    cmd->add_option("--seeds", o->seeds, "run seeds")->capture_default_str()->delimiter(',');
    cmd->add_option("-o,--out", o->out, "folder for the run folders and compare.md")
        ->capture_default_str();
    cmd->callback([o] {
        tpgm::ComparisonPlan plan;
        plan.base = resolve_config(o->config, o->overrides);
        plan.entries = split(o->methods, ',');
        plan.seeds = o->seeds;
        plan.out = o->out;
        ConsoleSink sink(/*quiet=*/true);
        tpgm::RunControl control;  // Ctrl-C stops the current run at its next step
        const StopOnSignals signals(control);
        const auto on_run = [](const std::string& entry, int seed, const tpgm::RunSummary& s) {
            std::cout << std::left << std::setw(28) << entry << " seed " << seed << std::fixed
                      << std::setprecision(1);
            // A run without OOD sets has no OOD mean ("map::at" ended the comparison).
            for (const auto& [set, label] :
                 {std::pair{tpgm::kIdSet, ": ID "}, std::pair{tpgm::kOodMean, "  OOD mean "}})
                if (const auto it = s.final_top1.find(set); it != s.final_top1.end())
                    std::cout << label << 100 * it->second;
            std::cout << "  (" << format_duration(s.seconds) << ")" << std::endl;
        };
        tpgm::Comparison table;
        try {
            table = tpgm::run_comparison(plan, sink, control, on_run);
        } catch (const tpgm::StopRequested& e) {
            std::cerr << "\ncompare " << e.what() << "; the completed runs are in " << o->out
                      << ", compare.md was not written\n";
            throw CLI::RuntimeError(signals.exit_code());
        }
        std::cout << "\n"
                  << (tpgm::is_segmentation_run(plan.base) ? "Mean IoU" : "Top-1 accuracy")
                  << " (%), mean ± std over " << plan.seeds.size()
                  << " seeds; s/step is the median training step, its extra cost relative to "
                  << table.baseline << "'s; table in " << o->out << "/compare.md:\n\n"
                  << tpgm::comparison_markdown(table);
    });
}
