// SPDX-License-Identifier: GPL-3.0-or-later
// The run folder, the contract between the engine, the CLI and the GUI:
//   config.yaml  metrics.jsonl  radii.csv  summary.json  eval.json  wise.json  fork.json
//   checkpoints/{last,final,step-<N>}.pt  tb/
// RunPaths spells these names; nothing else in the project does.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tpgm {

// The path of every file of one run folder; nothing else in the project spells these names.
struct RunPaths {
    explicit RunPaths(std::string run_dir) : dir(std::move(run_dir)) {}
    std::string dir;
    std::string config() const;       // config.yaml: the resolved run config
    std::string metrics() const;      // metrics.jsonl: one JSON object per step/eval/log event
    std::string radii() const;        // radii.csv: step,name,radius,distance per radius update
    std::string summary() const;      // summary.json: how the run ended
    std::string eval() const;         // eval.json: written by `tpgm-cli eval --run`
    std::string wise() const;         // wise.json: WiSE-FT's interpolation sweep
    std::string tb() const;           // tb/: TensorBoard event files (derived from the others)
    std::string checkpoints() const;  // checkpoints/
    std::string checkpoint(const std::string& name) const;                // checkpoints/<name>.pt
    std::string last_checkpoint() const { return checkpoint("last"); }    // resumable state
    std::string final_checkpoint() const { return checkpoint("final"); }  // written at completion
    std::string fork() const;  // fork.json: the parent run, step and changed keys of a fork
    // checkpoints/step-<N>.pt: a resumable state kept to fork the run from (keep_checkpoints).
    std::string step_checkpoint(int64_t step) const;
    // The steps that have a step-<N>.pt, ascending.
    std::vector<int64_t> step_checkpoints() const;
};

}  // namespace tpgm
