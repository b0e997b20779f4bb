// SPDX-License-Identifier: GPL-3.0-or-later
// What a run's pre-trained checkpoint holds and how it would load, before Start: the same backend
// calls as `tpgm-cli inspect` and the trainer (format detection, name rules, shape checks), as
// plain strings for the window. Never throws.
#pragma once

#include "config/run_config.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tpgm::facade {

struct CheckpointReport {
    bool ok = false;           // the checkpoint would load (or the demo backbone is used)
    std::string error;         // why not, when !ok (empty: nothing to report, e.g. no path yet)
    std::string source;        // the file read; empty for the demo's own backbone
    std::string format;        // "torch.save zip", "safetensors", "TorchScript", "workbench", ...
    std::string wrapper;       // torch.save: the key the state dict sat under
    std::string architecture;  // the model the tensors load into
    int64_t tensors_in_file = 0;  // tensors the file holds
    int64_t classes = 0;          // the run's classes (the new head), 0 when unknown
    int64_t in_channels = 3;
    std::string head;                 // the new head's parameter prefix, e.g. "fc."
    std::vector<std::string> loaded;  // tensors copied from the file
    std::vector<std::pair<std::string, std::string>> skipped;  // name, reason
    std::vector<std::string> initialised;  // tensors that keep their fresh initialisation
    std::string note;                      // e.g. "architecture from the checkpoint"
    // One line: "workbench, 62 tensors loaded, 2 skipped, new head fc. (3 classes)".
    std::string summary() const;
    // The full report as `tpgm-cli inspect` prints it, skipped tensors with their reasons.
    std::string text() const;
};

// Reads `config.pretrained` (or notes the demo backbone) and loads it into `config.model` with
// as many classes as the config's data has (counted from folders.train's sub-folders, the class
// lists or the training list; 10 for the demo), as the trainer will. Errors come back in `error`.
CheckpointReport checkpoint_report(const RunConfig& config);

// The number of classes `config`'s data names, found cheaply (sub-folders, class lists); 0 when
// that cannot be told without loading the data.
int64_t count_classes(const RunConfig& config);

// Writes a freshly initialised model as a workbench checkpoint (tests, examples, a starting
// point for data without a pre-trained model). Returns an error message, empty on success.
std::string write_untrained_checkpoint(const std::string& path, const std::string& model,
                                       int64_t classes, int64_t in_channels = 3, int width = 16,
                                       uint64_t seed = 0);

}  // namespace tpgm::facade
