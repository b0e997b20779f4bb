// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/image_file.h"

#include "files/atomic_file.h"

#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace tpgm {

void write_image_file(const std::string& path, const cv::Mat& image) {
    const std::string ext = std::filesystem::path(path).extension().string();
    std::vector<uchar> bytes;
    try {
        if (ext.empty() || !cv::imencode(ext, image, bytes))
            throw std::runtime_error("cannot write '" + path + "': no image encoder for '" + ext +
                                     "'");
    } catch (const cv::Exception& e) {
        throw std::runtime_error("cannot write '" + path + "': " + e.err);
    }
    write_file_atomically(
        path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace tpgm
