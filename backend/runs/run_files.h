// SPDX-License-Identifier: GPL-3.0-or-later
// The run folder's result files besides the metrics: eval.json (a checkpoint's evaluation)
// and wise.json (WiSE-FT's sweep), their value types and atomic writers.
#pragma once

#include "runs/events.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tpgm {

// The corruption x severity matrix of `tpgm-cli eval --corruptions` (ImageNet-C definitions).
struct CorruptionReport {
    std::vector<int> severities;                      // column order
    std::map<std::string, std::vector<double>> top1;  // corruption -> top-1 per severity
    double mean = 0;                                  // over every cell
    double clean = 0;                                 // top-1 on the clean images
    std::string baseline;                             // baseline run; "" = no CE below
    std::map<std::string, double> ce, relative_ce;    // per corruption
    double mce = 0, relative_mce = 0;
};
// What eval.json holds: the checkpoint's accuracy per set, optionally the corruption matrix.
struct EvalReport {
    std::string checkpoint;
    std::map<std::string, double> top1, top5;  // set name -> accuracy in [0, 1]
    std::optional<CorruptionReport> corruptions;
    ClassIoU class_iou;  // segmentation runs
};
// `dir`'s eval.json; nullopt when it is absent or not a JSON object.
std::optional<EvalReport> read_eval_json(const std::string& dir);
// Replaces `dir`'s eval.json atomically (readers never see half a file).
void write_eval_json(const std::string& dir, const EvalReport& report);

// What wise.json holds: accuracy on every set along the interpolation
// theta(a) = (1 - a) theta_pre + a theta_ft, and where the run's final model sits.
struct PathSweep {
    std::vector<double> points;                       // a, ascending
    double final_point = 0;                           // a of final.pt
    std::map<std::string, std::vector<double>> top1;  // set name -> top-1 per point
};
// `dir`'s wise.json; nullopt when it is absent or unreadable.
std::optional<PathSweep> read_path_sweep(const std::string& dir);
void write_path_sweep(const std::string& dir, const PathSweep& sweep);

}  // namespace tpgm
