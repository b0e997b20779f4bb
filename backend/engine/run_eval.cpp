// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/run_eval.h"

#include "config/config_schema.h"
#include "engine/corruption_eval.h"
#include "engine/evaluator.h"
#include "engine/trainer.h"
#include "robustness/corruptions.h"
#include "runs/run_discovery.h"
#include "runs/run_files.h"
#include "runs/run_paths.h"

#include <sstream>
#include <stdexcept>

namespace tpgm {

std::vector<std::string> corruption_names(const std::string& spec) {
    namespace rb = robustness;
    std::vector<std::string> names;
    if (spec == "all" || spec == "benchmark") {
        for (auto c : spec == "all" ? rb::all_corruptions() : rb::benchmark_corruptions())
            names.emplace_back(rb::corruption_name(c));
        return names;
    }
    std::stringstream ss(spec);
    for (std::string item; std::getline(ss, item, ',');) {
        if (!rb::corruption_from_name(item))
            throw std::invalid_argument("'" + item + "' is not an ImageNet-C corruption name");
        names.push_back(item);
    }
    return names;
}

CorruptionReport evaluate_corruption_report(const RunConfig& config, const std::string& checkpoint,
                                            const CorruptionRequest& request, EventSink& sink,
                                            const RunControl& control) {
    std::vector<std::string> checkpoints{checkpoint};
    if (!request.baseline.empty()) checkpoints.push_back(best_checkpoint(request.baseline));
    const auto matrices =
        evaluate_checkpoints_on_corruptions(config, checkpoints, request.corruptions,
                                            request.severities, request.images, sink, control);
    const CorruptionMatrix& m = matrices.front();
    CorruptionReport report;
    for (std::size_t c = 0; c < m.corruptions.size(); ++c)
        report.top1[m.corruptions[c]] = m.top1[c];
    report.severities = m.severities;
    report.mean = m.mean();
    report.clean = m.clean_top1;
    if (matrices.size() > 1) {
        const CorruptionErrors errors = corruption_errors(m, matrices[1]);
        report.baseline = request.baseline;
        report.ce = errors.ce;
        report.relative_ce = errors.relative_ce;
        report.mce = errors.mce;
        report.relative_mce = errors.relative_mce;
    }
    return report;
}

EvalReport evaluate_run(const std::string& dir, const CorruptionRequest& request, EventSink& sink,
                        const RunControl& control) {
    if (control.stop_requested()) throw StopRequested();  // before any data loads
    RunConfig config = load_config_file(RunPaths(dir).config());
    config.resume = false;  // the folder is read, never trained into
    const std::string checkpoint = best_checkpoint(dir);
    const EvalEvent e = evaluate_checkpoint(config, checkpoint, sink, control);
    EvalReport report{checkpoint, e.top1, e.top5, std::nullopt, e.class_iou};
    if (!request.corruptions.empty())
        report.corruptions = evaluate_corruption_report(config, checkpoint, request, sink, control);
    write_eval_json(dir, report);
    return report;
}

}  // namespace tpgm
