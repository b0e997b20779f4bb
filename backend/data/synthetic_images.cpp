// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/synthetic_images.h"

#include "data/idx_reader.h"  // DatasetError

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>

namespace tpgm {
namespace fs = std::filesystem;

std::string write_synthetic_image_folder(const std::string& root, int64_t images, int classes,
                                         int width, int height, uint64_t seed) {
    if (images < classes || classes < 1) throw DatasetError("need at least one image per class");
    for (int c = 0; c < classes; ++c)
        fs::create_directories(fs::path(root) / ("class" + std::to_string(c)));
    for (int64_t i = 0; i < images; ++i) {
        const int c = static_cast<int>(i % classes);
        const fs::path file =
            fs::path(root) / ("class" + std::to_string(c)) / (std::to_string(i) + ".jpg");
        if (fs::exists(file)) continue;
        cv::RNG rng(seed * 1000003u + static_cast<uint64_t>(i));
        cv::Mat img(height, width, CV_8UC3);
        rng.fill(img, cv::RNG::UNIFORM, 0, 255);
        cv::GaussianBlur(img, img, {0, 0}, 3);
        img += cv::Scalar(40 * (c % 3), 40 * ((c / 3) % 3), 40 * ((c / 9) % 3));
        if (!cv::imwrite(file.string(), img))
            throw DatasetError("cannot write '" + file.string() + "'");
    }
    return root;
}

}  // namespace tpgm
