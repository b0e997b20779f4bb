// SPDX-License-Identifier: GPL-3.0-or-later
// Generated photograph-like image folders for benchmarks and tests (no dataset needed).
#pragma once

#include <cstdint>
#include <string>

namespace tpgm {

// Writes `images` JPEGs of `width` x `height` (smoothed noise with a class-coloured tint) into
// `root`/class<k>/<i>.jpg over `classes` classes; existing files are kept, so a second call is
// cheap. Returns `root`.
std::string write_synthetic_image_folder(const std::string& root, int64_t images, int classes,
                                         int width = 500, int height = 375, uint64_t seed = 1);

}  // namespace tpgm
