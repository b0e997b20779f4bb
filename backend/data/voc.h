// SPDX-License-Identifier: GPL-3.0-or-later
// PASCAL VOC segmentation layout: <root>/JPEGImages/<id>.jpg, <root>/SegmentationClass/<id>.png
// (palette PNGs; 255 = ignore/border), <root>/ImageSets/Segmentation/{train,val,trainval}.txt.
// `root` is VOCdevkit/VOC2012 (or VOC2007). Datasets in the same layout with their own folders
// and class count (PASCAL-Context's 59 or 60 classes, PASCAL human parts' 7, index PNGs) are read
// through VocLayout and the `classes` arguments.
#pragma once

#include "data/idx_reader.h"  // DatasetError
#include "data/voc_palette.h"

#include <torch/types.h>
#include <opencv2/core.hpp>

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace tpgm {

constexpr int kVocClasses = 21;  // background + 20 object classes
constexpr uint8_t kVocIgnore = 255;

// Where a VOC-layout dataset keeps its files; the defaults are VOC's own. Folders are relative
// to `root` (an absolute path is taken as it is).
struct VocLayout {
    std::string root;
    std::string images = "JPEGImages";
    std::string masks = "SegmentationClass";
    std::string lists = "ImageSets/Segmentation";
    std::string image_extension = ".jpg";
    std::string mask_extension = ".png";
};

// One listed example: its id and the paths of its image and mask.
struct VocSample {
    std::string id, image, mask;
};

// Class names in label order ("background", "aeroplane", ...).
const std::vector<std::string>& voc_class_names();
// Class names from a file, one per line in label order (surrounding whitespace trimmed, so a
// name may contain spaces, as PASCAL-Context's do; blank lines ignored). Throws DatasetError for
// an unreadable or empty file, a duplicate name (both lines named) or more than 255 classes
// (255 is the ignore label).
std::vector<std::string> read_voc_class_names(const std::string& path);

// Reads <lists>/<split>.txt; throws DatasetError for a missing or empty list, or any listed
// image or mask that does not exist (the first few named).
std::vector<VocSample> read_voc_split(const VocLayout& layout, const std::string& split = "train");
// The same for VOC's own layout under `root`.
std::vector<VocSample> read_voc_split(const std::string& root, const std::string& split = "train");

// A decoded pair: RGB image, and class indices (CV_8U, 0..classes-1 or 255).
struct VocPair {
    cv::Mat image;
    cv::Mat mask;
};
// Decodes a pair (see decode_voc_mask). Throws DatasetError for an unreadable image or mask, or
// an image and mask of different sizes (both files named).
VocPair load_voc_pair(const VocSample& sample, int classes = kVocClasses,
                      bool reduce_zero_label = false);
// A mask's class indices (CV_8U): palette PNGs by colour (OpenCV expands palettes), index PNGs
// as they are. Throws DatasetError naming the file and the first pixel whose colour or label is
// none of the `classes` class labels (0..classes-1) nor the border (255). With
// `reduce_zero_label` the file's labels are 0..classes: 0 becomes 255 (unscored) and k class
// k - 1.
cv::Mat decode_voc_mask(const std::string& path, int classes = kVocClasses,
                        bool reduce_zero_label = false);
// Encodes indices as a colour PNG through the palette (what VOC's palette PNGs decode to).
cv::Mat colorize_voc_mask(const cv::Mat& indices);

// An image file's width and height from its header alone (PNG, JPEG); nullopt for another
// format or a header that cannot be parsed. Cheap: reads a few bytes, decodes no pixels. The
// stored size, before any EXIF rotation a decoder applies.
std::optional<cv::Size> image_header_size(const std::string& path);

// Tensors for a pair: image uint8 [3, H, W], mask int64 [H, W].
std::pair<torch::Tensor, torch::Tensor> voc_pair_tensors(const VocPair& pair);

}  // namespace tpgm
