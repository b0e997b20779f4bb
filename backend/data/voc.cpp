// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/voc.h"

#include "data/image_convert.h"
#include "data/image_folder.h"

#include <torch/torch.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <fstream>
#include <unordered_map>

namespace tpgm {

namespace fs = std::filesystem;

const std::vector<std::string>& voc_class_names() {
    static const std::vector<std::string> names = {
        "background", "aeroplane", "bicycle",     "bird",  "boat",        "bottle", "bus",
        "car",        "cat",       "chair",       "cow",   "diningtable", "dog",    "horse",
        "motorbike",  "person",    "pottedplant", "sheep", "sofa",        "train",  "tvmonitor"};
    return names;
}

std::vector<VocSample> read_voc_split(const std::string& root, const std::string& split) {
    const fs::path list = fs::path(root) / "ImageSets" / "Segmentation" / (split + ".txt");
    std::ifstream in(list);
    if (!in)
        throw DatasetError("VOC split list '" + list.string() + "' cannot be read (is '" + root +
                           "' a VOCdevkit/VOC20xx folder?)");
    std::vector<VocSample> out;
    std::vector<std::string> missing;
    int64_t missing_count = 0;
    for (std::string line; std::getline(in, line);) {
        std::istringstream ss(line);
        std::string id;
        if (!(ss >> id)) continue;
        VocSample s{id, (fs::path(root) / "JPEGImages" / (id + ".jpg")).string(),
                    (fs::path(root) / "SegmentationClass" / (id + ".png")).string()};
        for (const auto* p : {&s.image, &s.mask})
            if (!fs::is_regular_file(*p)) {
                if (missing.size() < 5) missing.push_back(*p);
                ++missing_count;
            }
        out.push_back(std::move(s));
    }
    if (missing_count) {
        std::string names;
        for (const auto& m : missing) names += "\n  " + m;
        throw DatasetError("VOC split '" + split + "' lists " + std::to_string(missing_count) +
                           " missing file(s), e.g.:" + names);
    }
    if (out.empty()) throw DatasetError("VOC split list '" + list.string() + "' is empty");
    return out;
}

cv::Mat decode_voc_mask(const std::string& path) {
    cv::Mat raw;
    try {
        raw = cv::imread(path, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception&) {
    }
    if (raw.empty()) throw DatasetError("segmentation mask '" + path + "' is unreadable");
    if (raw.depth() != CV_8U) throw DatasetError("segmentation mask '" + path + "' is not 8-bit");
    // A label outside VOC's classes (and not the border's 255) means another dataset's masks, or
    // masks that were resized or compressed: training on them would learn nonsense silently.
    const auto outside = [&](int x, int y, const std::string& what) {
        return DatasetError("segmentation mask '" + path + "' has " + what + " at pixel (" +
                            std::to_string(x) + ", " + std::to_string(y) +
                            "), which is none of VOC's " + std::to_string(kVocClasses) +
                            " class labels nor the border's " + std::to_string(kVocIgnore));
    };
    if (raw.channels() == 1) {
        for (int y = 0; y < raw.rows; ++y) {
            const auto* row = raw.ptr<uint8_t>(y);
            for (int x = 0; x < raw.cols; ++x)
                if (row[x] >= kVocClasses && row[x] != kVocIgnore)
                    throw outside(x, y, "label " + std::to_string(row[x]));
        }
        return raw;
    }
    cv::Mat bgr;
    if (raw.channels() == 4)
        cv::cvtColor(raw, bgr, cv::COLOR_BGRA2BGR);
    else if (raw.channels() == 3)
        bgr = raw;
    else
        throw DatasetError("segmentation mask '" + path + "' has an unexpected channel count");
    static const std::unordered_map<uint32_t, uint8_t> lookup = [] {
        std::unordered_map<uint32_t, uint8_t> m;
        const auto& p = voc_palette();
        for (int i = 0; i <= 255; ++i) {
            if (i >= kVocClasses && i != kVocIgnore) continue;
            m[(uint32_t(p[i][0]) << 16) | (uint32_t(p[i][1]) << 8) | p[i][2]] =
                static_cast<uint8_t>(i);
        }
        return m;
    }();
    cv::Mat out(bgr.size(), CV_8U);
    for (int y = 0; y < bgr.rows; ++y) {
        const auto* row = bgr.ptr<cv::Vec3b>(y);
        auto* dst = out.ptr<uint8_t>(y);
        for (int x = 0; x < bgr.cols; ++x) {
            const uint32_t key =
                (uint32_t(row[x][2]) << 16) | (uint32_t(row[x][1]) << 8) | row[x][0];
            auto it = lookup.find(key);
            if (it == lookup.end())
                throw outside(x, y,
                              "colour RGB (" + std::to_string(row[x][2]) + ", " +
                                  std::to_string(row[x][1]) + ", " + std::to_string(row[x][0]) +
                                  ")");
            dst[x] = it->second;
        }
    }
    return out;
}

cv::Mat colorize_voc_mask(const cv::Mat& indices) {
    CV_Assert(indices.type() == CV_8U);
    cv::Mat bgr(indices.size(), CV_8UC3);
    const auto& p = voc_palette();
    for (int y = 0; y < indices.rows; ++y)
        for (int x = 0; x < indices.cols; ++x) {
            const auto& c = p[indices.at<uint8_t>(y, x)];
            bgr.at<cv::Vec3b>(y, x) = cv::Vec3b(c[2], c[1], c[0]);
        }
    return bgr;
}

VocPair load_voc_pair(const VocSample& sample) {
    VocPair pair;
    pair.image = decode_rgb(sample.image);
    if (pair.image.empty()) throw DatasetError("VOC image '" + sample.image + "' is unreadable");
    pair.mask = decode_voc_mask(sample.mask);
    if (pair.mask.size() != pair.image.size())
        throw DatasetError("VOC sample '" + sample.id + "': image and mask sizes differ");
    return pair;
}

std::pair<torch::Tensor, torch::Tensor> voc_pair_tensors(const VocPair& pair) {
    torch::Tensor image = mat_to_tensor(pair.image);
    torch::Tensor mask =
        torch::from_blob(pair.mask.clone().data, {pair.mask.rows, pair.mask.cols}, torch::kUInt8)
            .to(torch::kInt64);
    return {image, mask};
}

}  // namespace tpgm
