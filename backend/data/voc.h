// SPDX-License-Identifier: GPL-3.0-or-later
// PASCAL VOC segmentation layout: <root>/JPEGImages/<id>.jpg, <root>/SegmentationClass/<id>.png
// (palette PNGs; 255 = ignore/border), <root>/ImageSets/Segmentation/{train,val,trainval}.txt.
// `root` is VOCdevkit/VOC2012 (or VOC2007). Used by the segmentation work.
#pragma once

#include "data/idx_reader.h"  // DatasetError
#include "data/voc_palette.h"

#include <torch/types.h>
#include <opencv2/core.hpp>

#include <array>
#include <string>
#include <vector>

namespace tpgm {

constexpr int kVocClasses = 21;  // background + 20 object classes
constexpr uint8_t kVocIgnore = 255;

struct VocSample {
    std::string id, image, mask;
};

// Class names in label order ("background", "aeroplane", ...).
const std::vector<std::string>& voc_class_names();

// Reads ImageSets/Segmentation/<split>.txt; throws DatasetError for a missing list or any listed
// image or mask that does not exist (the first few named).
std::vector<VocSample> read_voc_split(const std::string& root, const std::string& split = "train");

// A decoded pair: RGB image, and class indices (CV_8U, 0..20 or 255).
struct VocPair {
    cv::Mat image;
    cv::Mat mask;
};
// Decodes a mask PNG: single-channel files hold indices; colour files (OpenCV expands palettes)
// are mapped back through the palette, unknown colours becoming 255. Throws DatasetError for an
// unreadable file, or an image and mask of different sizes.
VocPair load_voc_pair(const VocSample& sample);
// A mask's class indices (CV_8U): palette PNGs by colour, index PNGs as they are. Throws
// DatasetError naming the file and the first pixel whose colour or label is not a VOC class
// (0-20) nor the border (255).
cv::Mat decode_voc_mask(const std::string& path);
// Encodes indices as a colour PNG through the palette (what VOC's palette PNGs decode to).
cv::Mat colorize_voc_mask(const cv::Mat& indices);

// Tensors for a pair: image uint8 [3, H, W], mask int64 [H, W].
std::pair<torch::Tensor, torch::Tensor> voc_pair_tensors(const VocPair& pair);

}  // namespace tpgm
