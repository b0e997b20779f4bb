// SPDX-License-Identifier: GPL-3.0-or-later
// The data=folders and data=lists sources: image files on disk, found and validated before the
// first step, decoded into memory or streamed (images.loading), with typed OOD sets.
#pragma once

#include "config/run_config.h"
#include "data/run_sets.h"

namespace tpgm {

// Scans the folders or lists `config` names and builds the run's sets. Throws DatasetError,
// naming the set and the file, for a missing root, an empty class, a malformed list, missing
// files, an OOD set with classes training does not have, or an unknown class-subset name.
RunSets load_file_sets(const RunConfig& config, const LoadCallbacks& callbacks);
// The class names an image-file run (data folders or lists) trains on, in label order, read as
// training reads them but without scanning the images; throws DatasetError.
std::vector<std::string> file_class_names(const RunConfig& config);

// The kind and class subset an OOD entry gets: its own, or by name (imagenet-a, imagenet-r).
SetInfo ood_set_info(const OodSetConfig& entry, const std::vector<std::string>& run_classes);

}  // namespace tpgm
