// SPDX-License-Identifier: GPL-3.0-or-later
// tpgm-cli eval: accuracy of a checkpoint (or a run's final model) on the ID and OOD sets.
#include "commands.h"
#include "config/data_sources.h"
#include "console.h"
#include "runs/run_discovery.h"
#include "runs/run_files.h"
#include "runs/run_paths.h"

#include "engine/evaluator.h"
#include "engine/run_eval.h"
#include "engine/trainer.h"

#include <iomanip>
#include <iostream>

namespace {

// The corruption matrix of `report` (and CE / mCE when it has a baseline), one row per corruption.
void print_corruptions(const tpgm::CorruptionReport& r, int64_t images, bool segmentation) {
    const bool errors = !r.baseline.empty();
    std::cout << "\ncorruption x severity " << (segmentation ? "mean IoU" : "top-1") << " (%) on "
              << (images > 0 ? "at most " + std::to_string(images) : "all") << " ID test images\n"
              << std::left << std::setw(20) << "corruption" << std::right;
    for (int s : r.severities) std::cout << std::setw(7) << s;
    std::cout << std::setw(8) << "mean" << (errors ? "      CE  rel.CE" : "") << "\n";
    for (const auto& [name, cells] : r.top1) {
        double mean = 0;
        std::cout << std::left << std::setw(20) << name << std::right << std::fixed
                  << std::setprecision(1);
        for (double v : cells) std::cout << std::setw(7) << 100 * v, mean += v / cells.size();
        std::cout << std::setw(8) << 100 * mean;
        if (errors)
            std::cout << std::setprecision(3) << std::setw(8) << r.ce.at(name) << std::setw(8)
                      << r.relative_ce.at(name);
        std::cout << "\n";
    }
    std::cout << std::setprecision(1) << "mean over corruptions: " << 100 * r.mean << "%  (clean "
              << 100 * r.clean << "%)\n";
    if (errors)
        std::cout << std::setprecision(3) << "mCE " << r.mce << ", relative mCE " << r.relative_mce
                  << " (baseline " << r.baseline << " = 1)\n";
}

}  // namespace

void register_eval_command(CLI::App& app) {
    struct Options {
        std::string run, checkpoint, config, corruptions, baseline;
        std::vector<int> severities{1, 2, 3, 4, 5};
        int64_t images = 1000;
        std::vector<std::string> overrides;
        bool per_class = false;
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
    cmd->add_flag("--per-class", o->per_class,
                  "segmentation runs: also the IoU of every class on every set (always written\n"
                  "to eval.json's class_iou)");
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
        tpgm::CorruptionRequest request{{}, o->severities, o->images, o->baseline};
        try {  // before the long part
            if (!o->corruptions.empty())
                request.corruptions = tpgm::corruption_names(o->corruptions);
        } catch (const std::invalid_argument& e) {
            throw CLI::ValidationError("--corruptions", e.what());
        }
        auto overrides = o->overrides;
        overrides.push_back("resume=false");
        const tpgm::RunConfig config = resolve_config(config_path, overrides);
        ConsoleSink sink;
        tpgm::RunControl control;  // Ctrl-C ends the evaluation at its next set or cell
        const StopOnSignals signals(control);
        try {
            const tpgm::EvalEvent e = tpgm::evaluate_checkpoint(config, checkpoint, sink, control);
            std::cout << "checkpoint: " << checkpoint << "\n\n";
            print_accuracy_table(std::cout, e.top1, e.top5, tpgm::is_segmentation_run(config));
            if (o->per_class && e.class_iou.empty()) {
                std::cout << "\n--per-class: per-class IoU is for segmentation runs; this run "
                             "classifies\n";
            } else if (o->per_class) {
                std::cout << "\nIoU per class (%)\n";
                print_class_iou_table(std::cout, e.class_iou);
            }
            tpgm::EvalReport report{checkpoint, e.top1, e.top5, std::nullopt, e.class_iou};
            if (!request.corruptions.empty()) {
                report.corruptions =
                    tpgm::evaluate_corruption_report(config, checkpoint, request, sink, control);
                print_corruptions(*report.corruptions, o->images,
                                  tpgm::is_segmentation_run(config));
            }
            if (!o->run.empty()) tpgm::write_eval_json(o->run, report);
        } catch (const tpgm::StopRequested& e) {
            std::cerr << "\neval " << e.what() << "; nothing written\n";
            throw CLI::RuntimeError(signals.exit_code());
        }
    });
}
