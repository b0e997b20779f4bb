// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/run_model.h"

#include "checkpoints/key_map.h"
#include "config/config_schema.h"
#include "config/model_names.h"

#include <torch/torch.h>

namespace tpgm {
namespace {

// "greyscale (1-channel)", "colour (3-channel)", "4-channel".
std::string channels_text(int64_t channels) {
    if (channels == 1) return "greyscale (1-channel)";
    if (channels == 3) return "colour (3-channel)";
    return std::to_string(channels) + "-channel";
}

}  // namespace

RunModel load_run_model(const RunConfig& config, const std::string& data_checkpoint,
                        int64_t channels, int64_t num_classes) {
    RunModel out;
    out.source = config.pretrained.empty() ? data_checkpoint : config.pretrained;
    if (detect_checkpoint_format(out.source) == CheckpointFormat::Workbench) {
        LoadedCheckpoint ckpt = read_checkpoint(out.source);
        if (ckpt.spec.in_channels != channels)  // else LibTorch fails at the first step
            throw ConfigError("the pre-trained " + ckpt.spec.name + " in '" + out.source +
                              "' takes " + channels_text(ckpt.spec.in_channels) +
                              " images, but the data has " + channels_text(channels) +
                              " images; choose a checkpoint for " + channels_text(channels) +
                              " images (or other data)");
        out.spec = ckpt.spec;
        if (is_segmentation_model(config.model) && out.spec.name != config.model) {
            // A classifier (the demo's backbone) under a new segmentation head.
            out.spec = {config.model, num_classes, channels, ckpt.spec.width};
            out.model = create_model(out.spec);
            out.report = load_state_dict(*out.model, to_model_names(*out.model, ckpt.state),
                                         {out.model->head_prefix()});
        } else {
            out.model = create_model(out.spec);
            out.report = load_state_dict(*out.model, ckpt.state);
        }
    } else {
        // A torch.save, safetensors or TorchScript file: the architecture comes from the
        // config, the tensors by name (wrappers such as "module." stripped), head excluded.
        out.spec = {config.model, num_classes, channels, config.demo.width};
        out.model = create_model(out.spec);
        out.report = load_pretrained(*out.model, out.source);
    }
    out.model->reset_head(num_classes);
    out.spec.num_classes = num_classes;
    return out;
}

}  // namespace tpgm
