// SPDX-License-Identifier: GPL-3.0-or-later
// The model a run fine-tunes: its pre-trained checkpoint under a new head for the run's classes.
#pragma once

#include "checkpoints/checkpoint.h"
#include "config/run_config.h"
#include "models/classifier.h"
#include "models/registry.h"

#include <memory>
#include <string>

namespace tpgm {

// A run's starting model and where it came from.
struct RunModel {
    std::shared_ptr<Classifier> model;  // on the CPU, head new, in training mode
    ModelSpec spec;                     // as the run's checkpoints will record it
    LoadReport report;                  // what the pre-trained file gave
    std::string source;                 // that file
};

// Loads config.pretrained (else `data_checkpoint`, the data's own backbone, e.g. the demo's):
// a workbench checkpoint keeps its architecture (a classifier under a segmentation model's new
// head when the config asks for one); torch.save, safetensors and TorchScript files load by
// name into config.model. The head is then replaced for `num_classes`. Throws ConfigError when
// the checkpoint's input channels are not the data's `channels`, CheckpointError when it cannot
// be read.
RunModel load_run_model(const RunConfig& config, const std::string& data_checkpoint,
                        int64_t channels, int64_t num_classes);

}  // namespace tpgm
