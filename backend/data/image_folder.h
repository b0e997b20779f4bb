// SPDX-License-Identifier: GPL-3.0-or-later
// Image files on disk as labelled samples: the ImageFolder layout (one sub-folder per class),
// with an optional explicit class list so that training and OOD sets agree on label indices, and
// decoding with OpenCV that skips corrupt files with a count and a warning instead of crashing.
#pragma once

#include "data/idx_reader.h"  // DatasetError
#include "data/tensor_dataset.h"

#include <opencv2/core.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace tpgm {

struct ImageSample {
    std::string path;
    int64_t label = 0;
};

// Image files with labels indexing `classes`.
struct ImageList {
    std::string root;
    std::vector<std::string> classes;
    std::vector<ImageSample> samples;
    int64_t size() const { return static_cast<int64_t>(samples.size()); }
};

struct ImageFolderOptions {
    // Class sub-folder names in label order; empty = every sub-folder, sorted (torchvision's rule).
    std::vector<std::string> classes;
    // With an explicit list: classes without a folder are allowed (an OOD set covering a subset,
    // e.g. ImageNet-R's 200 of 1000); otherwise a missing folder is an error.
    bool allow_missing_classes = false;
    // A class folder without images is an error unless this is set.
    bool allow_empty_classes = false;
    // Descend into symbolic links to directories (each directory is read once, so a link loop
    // ends); by default they are skipped, as `tpgm-cli corrupt` does.
    bool follow_links = false;
};

// The sub-folder names of `root`, sorted: an ImageFolder's classes in label order.
std::vector<std::string> class_folder_names(const std::string& root);  // hidden ones left out
// Image files below `dir`, recursively, unsorted; see ImageFolderOptions::follow_links.
std::vector<std::string> list_image_files(const std::string& dir, bool follow_links = false);

// Lists `root`/<class>/**/<image>. Throws DatasetError for a missing root, a missing or empty class
// folder (see options) or a root without images. Files are sorted, so the order is reproducible.
ImageList scan_image_folder(const std::string& root, const ImageFolderOptions& options = {});
// One class name per line (first whitespace-separated token; '#' starts a comment).
std::vector<std::string> read_class_list(const std::string& path);
// "a, b, c, d, e, ... (12 in all)": the first five names of a list, for error messages.
std::string first_names(const std::vector<std::string>& names);
// True for the file extensions the workbench decodes (jpg, jpeg, png, bmp, ppm, pgm, tif, tiff,
// webp).
bool is_image_file(const std::string& path);

// Decodes an image as RGB (3 channels, uint8); an empty Mat when unreadable or corrupt.
// With `cut`, also says whether the file is a JPEG cut short (decoded with its missing part grey).
cv::Mat decode_rgb(const std::string& path, bool* cut = nullptr);

// What decoding a list did: images decoded, files skipped as unreadable or decoded from a cut
// file (first few named).
struct DecodeReport {
    int64_t decoded = 0;
    int64_t skipped = 0;
    std::vector<std::string> first_skipped;  // up to 5 paths
    int64_t cut = 0;                         // JPEGs cut short, decoded with a grey remainder
    std::vector<std::string> first_cut;      // up to 5 paths
    void add_skipped(const std::string& path);
    void add_cut(const std::string& path);
};

}  // namespace tpgm
