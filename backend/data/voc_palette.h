// SPDX-License-Identifier: GPL-3.0-or-later
// PASCAL VOC's colour map, torch-free so that the window can colour label maps with it too.
#pragma once

#include <opencv2/core.hpp>

#include <array>

namespace tpgm {

// The VOC colour map: entry i is the RGB colour of class i (entry 255 is the border colour).
const std::array<cv::Vec3b, 256>& voc_palette();

}  // namespace tpgm
