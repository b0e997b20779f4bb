// SPDX-License-Identifier: GPL-3.0-or-later
// Image files the tools write (predict, corrupt, hard-subset): encoded in memory, then written
// atomically. Torch-free.
#pragma once

#include <opencv2/core.hpp>

#include <string>

namespace tpgm {

// Encodes `image` by `path`'s extension (.png, .jpg, ...) and writes it atomically
// (write_file_atomically): never through a symbolic link, into a FIFO or over another special
// file. Throws std::runtime_error naming the path.
void write_image_file(const std::string& path, const cv::Mat& image);

}  // namespace tpgm
