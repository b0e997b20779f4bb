// SPDX-License-Identifier: GPL-3.0-or-later
// tpgm-cli eval: accuracy of a checkpoint (or a run's final model) on the ID and OOD sets.
#include "commands.h"
#include "console.h"

#include "config/config_schema.h"
#include "engine/corruption_eval.h"
#include "engine/evaluator.h"
#include "engine/run_store.h"
#include "robustness/corruptions.h"

#include <iomanip>
#include <iostream>
#include <sstream>

namespace {

std::vector<std::string> corruption_names(const std::string& spec) {
    namespace rb = tpgm::robustness;
    std::vector<std::string> names;
    if (spec == "all" || spec == "benchmark") {
        for (auto c : spec == "all" ? rb::all_corruptions() : rb::benchmark_corruptions())
            names.emplace_back(rb::corruption_name(c));
        return names;
    }
    std::stringstream ss(spec);
    for (std::string item; std::getline(ss, item, ',');) {
        if (!rb::corruption_from_name(item))
            throw CLI::ValidationError("--corruptions",
                                       "'" + item + "' is not an ImageNet-C corruption name");
        names.push_back(item);
    }
    return names;
}

// Prints the corruption matrix (and CE / mCE against --baseline) and returns it for eval.json.
template <typename Options>
tpgm::CorruptionReport corruption_report(const Options& o, const tpgm::RunConfig& config,
                                         const std::string& checkpoint, ConsoleSink& sink) {
    const auto names = corruption_names(o.corruptions);
    std::vector<std::string> checkpoints{checkpoint};
    if (!o.baseline.empty()) checkpoints.push_back(tpgm::best_checkpoint(o.baseline));
    const auto matrices = tpgm::evaluate_checkpoints_on_corruptions(config, checkpoints, names,
                                                                    o.severities, o.images, sink);
    const auto& m = matrices.front();
    std::cout << "\ncorruption x severity top-1 (%) on "
              << (o.images > 0 ? std::to_string(o.images) : "all") << " ID test images\n"
              << std::left << std::setw(20) << "corruption" << std::right;
    for (int s : m.severities) std::cout << std::setw(7) << s;
    std::cout << std::setw(8) << "mean" << (matrices.size() > 1 ? "      CE  rel.CE" : "") << "\n";
    tpgm::CorruptionErrors errors;
    if (matrices.size() > 1) errors = tpgm::corruption_errors(m, matrices[1]);
    tpgm::CorruptionReport report;
    for (std::size_t c = 0; c < m.corruptions.size(); ++c) {
        double mean = 0;
        std::cout << std::left << std::setw(20) << m.corruptions[c] << std::right << std::fixed
                  << std::setprecision(1);
        for (double v : m.top1[c])
            std::cout << std::setw(7) << 100 * v, mean += v / m.top1[c].size();
        std::cout << std::setw(8) << 100 * mean;
        if (matrices.size() > 1)
            std::cout << std::setprecision(3) << std::setw(8) << errors.ce[m.corruptions[c]]
                      << std::setw(8) << errors.relative_ce[m.corruptions[c]];
        std::cout << "\n";
        report.top1[m.corruptions[c]] = m.top1[c];
    }
    std::cout << std::setprecision(1) << "mean over corruptions: " << 100 * m.mean() << "%  (clean "
              << 100 * m.clean_top1 << "%)\n";
    report.severities = m.severities;
    report.mean = m.mean();
    report.clean = m.clean_top1;
    if (matrices.size() > 1) {
        std::cout << std::setprecision(3) << "mCE " << errors.mce << ", relative mCE "
                  << errors.relative_mce << " (baseline " << o.baseline << " = 1)\n";
        report.baseline = o.baseline;
        report.ce = errors.ce;
        report.relative_ce = errors.relative_ce;
        report.mce = errors.mce;
        report.relative_mce = errors.relative_mce;
    }
    return report;
}

}  // namespace

void register_eval_command(CLI::App& app) {
    struct Options {
        std::string run, checkpoint, config, corruptions, baseline;
        std::vector<int> severities{1, 2, 3, 4, 5};
        int64_t images = 1000;
        std::vector<std::string> overrides;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = app.add_subcommand(
        "eval",
        "Evaluate a checkpoint on the ID test set and every OOD set; with --run, the run's final\n"
        "model, and the table is also written to <run>/eval.json");
    auto* run =
        cmd->add_option("-r,--run", o->run, "run folder (uses its config and checkpoints/final.pt)")
            ->check(CLI::ExistingDirectory);
    auto* ckpt =
        cmd->add_option("checkpoint,--checkpoint", o->checkpoint, "a TPGM Workbench checkpoint")
            ->check(CLI::ExistingFile);
    run->excludes(ckpt);
    cmd->add_option("-c,--config", o->config,
                    "YAML run config for the data (default: the run's own)")
        ->check(CLI::ExistingFile);
    cmd->add_option("-s,--set", o->overrides, "override a config key (repeatable)");
    cmd->add_option("--corruptions", o->corruptions,
                    "also the corruption x severity matrix, generated on the fly from the ID test\n"
                    "images: benchmark (the 15 of mCE), all (19) or a comma-separated list");
    cmd->add_option("--severities", o->severities, "severities of the matrix")
        ->delimiter(',')
        ->check(CLI::Range(1, 5))
        ->capture_default_str();
    cmd->add_option("--images", o->images, "ID test images the matrix corrupts (0: all)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_option("--baseline", o->baseline,
                    "baseline run folder for CE, mCE and relative mCE (ImageNet-C definitions)")
        ->check(CLI::ExistingDirectory);
    cmd->callback([o] {
        std::string config_path = o->config, checkpoint = o->checkpoint;
        if (!o->run.empty()) {
            if (config_path.empty()) config_path = tpgm::RunPaths(o->run).config();
            checkpoint = tpgm::best_checkpoint(o->run);
        }
        if (checkpoint.empty()) throw CLI::ValidationError("eval", "give --run or --checkpoint");
        if (!o->corruptions.empty()) corruption_names(o->corruptions);  // before the long part
        auto overrides = o->overrides;
        overrides.push_back("resume=false");
        const tpgm::RunConfig config = resolve_config(config_path, overrides);
        ConsoleSink sink;
        const tpgm::EvalEvent e = tpgm::evaluate_checkpoint(config, checkpoint, sink);
        std::cout << "checkpoint: " << checkpoint << "\n\n";
        print_accuracy_table(std::cout, e.top1, e.top5);
        tpgm::EvalReport report{checkpoint, e.top1, e.top5, std::nullopt};
        if (!o->corruptions.empty())
            report.corruptions = corruption_report(*o, config, checkpoint, sink);
        if (!o->run.empty()) tpgm::write_eval_json(o->run, report);
    });
}
