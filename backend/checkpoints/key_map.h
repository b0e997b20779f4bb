// SPDX-License-Identifier: GPL-3.0-or-later
// Loading pre-trained weights from whatever file the user has: the format is detected by content
// (torch.save zip, TorchScript, safetensors, or the workbench's own checkpoint), tensor names are
// remapped by prefix rules (DataParallel "module.", MoCo "module.base_encoder.", ...), and tensors
// load by name with shape checks into a report of what loaded, what was skipped and why, and what
// kept its fresh initialisation (e.g. a new head).
#pragma once

#include "checkpoints/checkpoint.h"
#include "models/classifier.h"

#include <string>
#include <vector>

namespace tpgm {

enum class CheckpointFormat { TorchSave, TorchScript, Safetensors, Workbench, Unknown };
std::string format_name(CheckpointFormat format);
// By content, not extension; Unknown for anything else (or a missing file).
CheckpointFormat detect_checkpoint_format(const std::string& path);
// Why a file detected as Unknown cannot be read, naming it: missing, a truncated or damaged zip,
// a legacy (pre-1.6) torch.save file, or a foreign format.
std::string unreadable_checkpoint_message(const std::string& path);

// Rewrites a name that starts with `from` to start with `to` instead (`to` empty strips it).
struct KeyRule {
    std::string from;
    std::string to;
};
// The wrappers real checkpoints carry: MoCo v3 "module.base_encoder.", MoCo v2
// "module.encoder_q.", DataParallel "module.", torch.compile "_orig_mod.".
std::vector<KeyRule> default_key_rules();
// Parses "from=>to" rules separated by commas or newlines ("module.=>" strips "module.").
// Throws std::invalid_argument for a rule without "=>".
std::vector<KeyRule> parse_key_rules(const std::string& text);
// Applies the first matching rule to each name; names listed twice after mapping keep the first.
StateDict apply_key_rules(const StateDict& state, const std::vector<KeyRule>& rules);

// Moves a classification checkpoint into a model that holds a backbone under a prefix: when
// `model` has a backbone_prefix() and no name in `state` starts with it, every name gets it (an
// ImageNet or demo ResNet's fc.* then become backbone.fc.*, which the model does not have, and
// are reported as skipped). Otherwise `state` is returned as it is.
StateDict to_model_names(const Classifier& model, StateDict state);

// Every tensor of a checkpoint file in any supported format, with its names as stored.
struct PretrainedState {
    CheckpointFormat format = CheckpointFormat::Unknown;
    StateDict state;
    std::string wrapper;               // torch.save: the key the state dict sat under
    std::vector<std::string> ignored;  // non-tensor entries that were left out
};
// Throws CheckpointError for an unknown format or a malformed file.
PretrainedState read_pretrained_state(const std::string& path);

struct PretrainedOptions {
    std::vector<KeyRule> rules = default_key_rules();
    // Tensors that may be absent or differ in shape (they keep the model's initialisation); the
    // model's head prefix is always included.
    std::vector<std::string> allow_missing_prefixes;
};
// Reads `path`, remaps names (key rules, then to_model_names) and loads them into `model`. Throws
// CheckpointError (before changing the model) when a tensor outside the allowed prefixes is absent
// or has another shape.
LoadReport load_pretrained(Classifier& model, const std::string& path,
                           const PretrainedOptions& options = {});

}  // namespace tpgm
