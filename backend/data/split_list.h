// SPDX-License-Identifier: GPL-3.0-or-later
// Split lists in DomainNet's format ("relative/path.jpg label" per line) and the class-balanced,
// deterministic percent subsets the TPGM paper trains on (1/5/10/20/50/100 %).
#pragma once

#include "data/image_folder.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tpgm {

// Reads `list_file`; paths are relative to `root`. Class names are the image's parent folder
// (DomainNet: clipart/<class>/<file>.jpg), checked to agree with the labels. Throws DatasetError
// for a malformed line (with its number), a negative label, a label without images below the
// largest one, or files that do not exist (the first few named) — before any training starts.
ImageList read_split_list(const std::string& list_file, const std::string& root,
                          bool check_files = true);
// Writes "path label" lines with paths relative to list.root.
void write_split_list(const ImageList& list, const std::string& list_file);

// The `percent` % subset: per class, the first max(1, round(n * percent / 100)) samples of a
// shuffle seeded by `seed` and the class index. The same on every machine and standard library;
// a smaller percentage is a subset of a larger one. Throws DatasetError unless 0 < percent <= 100.
ImageList percent_subset(const ImageList& list, double percent, uint64_t seed = 0);

}  // namespace tpgm
