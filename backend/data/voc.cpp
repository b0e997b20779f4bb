// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/voc.h"

#include "data/image_convert.h"
#include "data/image_folder.h"
#include "files/atomic_file.h"

#include <torch/torch.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
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

namespace {

std::string trimmed(const std::string& s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

uint32_t big_endian(const unsigned char* p, int bytes) {
    uint32_t v = 0;
    for (int k = 0; k < bytes; ++k) v = (v << 8) | p[k];
    return v;
}

}  // namespace

std::vector<std::string> read_voc_class_names(const std::string& path) {
    check_regular_input(path, "class file");
    std::ifstream in(path);
    if (!in) throw DatasetError("class file '" + path + "' cannot be read");
    std::vector<std::string> names;
    std::unordered_map<std::string, int> line_of;
    int line_number = 0;
    for (std::string line; std::getline(in, line);) {
        ++line_number;
        std::string name = trimmed(line);
        if (name.empty()) continue;
        const auto [it, fresh] = line_of.emplace(name, line_number);
        if (!fresh)
            throw DatasetError("class file '" + path + "' names '" + name + "' twice (lines " +
                               std::to_string(it->second) + " and " + std::to_string(line_number) +
                               ")");
        names.push_back(std::move(name));
    }
    if (names.empty()) throw DatasetError("class file '" + path + "' names no class");
    // Labels are stored in 8-bit masks whose 255 means "not scored".
    if (names.size() > kVocIgnore)
        throw DatasetError("class file '" + path + "' names " + std::to_string(names.size()) +
                           " classes; 8-bit masks hold at most " + std::to_string(kVocIgnore));
    return names;
}

std::vector<VocSample> read_voc_split(const VocLayout& layout, const std::string& split) {
    const fs::path root(layout.root);
    const fs::path list = root / layout.lists / (split + ".txt");
    check_regular_input(list.string(), "split list");
    std::ifstream in(list);
    if (!in)
        throw DatasetError("split list '" + list.string() + "' cannot be read (is '" + layout.root +
                           "' a dataset in the VOC layout, with its lists under '" + layout.lists +
                           "'?)");
    std::vector<VocSample> out;
    std::vector<std::string> missing;
    int64_t missing_count = 0;
    for (std::string line; std::getline(in, line);) {
        std::istringstream ss(line);
        std::string id;
        if (!(ss >> id)) continue;
        VocSample s{id, (root / layout.images / (id + layout.image_extension)).string(),
                    (root / layout.masks / (id + layout.mask_extension)).string()};
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
        throw DatasetError("split '" + split + "' ('" + list.string() + "') lists " +
                           std::to_string(missing_count) + " missing file(s), e.g.:" + names);
    }
    if (out.empty()) throw DatasetError("split list '" + list.string() + "' is empty");
    return out;
}

std::vector<VocSample> read_voc_split(const std::string& root, const std::string& split) {
    VocLayout layout;
    layout.root = root;
    return read_voc_split(layout, split);
}

namespace {

// 0 -> 255 (unscored), k -> k - 1, 255 stays: mmsegmentation's reduce_zero_label.
cv::Mat reduce_zero(const cv::Mat& labels) {
    cv::Mat table(1, 256, CV_8U);
    for (int i = 0; i < 256; ++i)
        table.at<uint8_t>(i) = static_cast<uint8_t>(i == 0 || i == kVocIgnore ? kVocIgnore : i - 1);
    cv::Mat out;
    cv::LUT(labels, table, out);
    return out;
}

// A mask file's labels 0..labels-1 (and 255), checked: decode_voc_mask before reduce_zero_label.
cv::Mat decode_file_labels(const std::string& path, int labels, bool zero_unlabelled) {
    cv::Mat raw;
    try {
        raw = cv::imread(path, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception&) {
    }
    if (raw.empty()) throw DatasetError("segmentation mask '" + path + "' is unreadable");
    if (raw.depth() != CV_8U) throw DatasetError("segmentation mask '" + path + "' is not 8-bit");
    // A label outside these (and not the border's 255) means another dataset's masks, or
    // masks that were resized or compressed: training on them would learn nonsense silently.
    const auto outside = [&](int x, int y, const std::string& what) {
        return DatasetError(
            "segmentation mask '" + path + "' has " + what + " at pixel (" + std::to_string(x) +
            ", " + std::to_string(y) + "), which is none of the " + std::to_string(labels) +
            (zero_unlabelled ? " labels (0 unlabelled, then the classes)" : " class labels") +
            " nor the border's " + std::to_string(kVocIgnore));
    };
    if (raw.channels() == 1) {
        for (int y = 0; y < raw.rows; ++y) {
            const auto* row = raw.ptr<uint8_t>(y);
            for (int x = 0; x < raw.cols; ++x)
                if (row[x] >= labels && row[x] != kVocIgnore)
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
    // Built per call (a few hundred entries, nothing next to decoding the PNG), so that every
    // class count gets its own table without shared state between loader threads.
    std::unordered_map<uint32_t, uint8_t> lookup;
    const auto& p = voc_palette();
    for (int i = 0; i <= 255; ++i) {
        if (i >= labels && i != kVocIgnore) continue;
        lookup[(uint32_t(p[i][0]) << 16) | (uint32_t(p[i][1]) << 8) | p[i][2]] =
            static_cast<uint8_t>(i);
    }
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

}  // namespace

cv::Mat decode_voc_mask(const std::string& path, int classes, bool reduce_zero_label) {
    // With reduce_zero_label the file holds one label more: 0 (unlabelled) then the classes.
    const int labels = classes + (reduce_zero_label ? 1 : 0);
    if (classes < 1 || labels > kVocIgnore)
        throw DatasetError("segmentation mask '" + path + "': " + std::to_string(classes) +
                           " classes do not fit an 8-bit mask beside the border's 255");
    const cv::Mat raw = decode_file_labels(path, labels, reduce_zero_label);
    return reduce_zero_label ? reduce_zero(raw) : raw;
}

std::optional<cv::Size> image_header_size(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    unsigned char head[24] = {};
    if (!in.read(reinterpret_cast<char*>(head), 2)) return std::nullopt;
    if (head[0] == 0x89 && head[1] == 'P') {  // PNG: the IHDR chunk comes first, at byte 8
        if (!in.read(reinterpret_cast<char*>(head) + 2, 22)) return std::nullopt;
        if (std::memcmp(head + 12, "IHDR", 4) != 0) return std::nullopt;
        return cv::Size(static_cast<int>(big_endian(head + 16, 4)),
                        static_cast<int>(big_endian(head + 20, 4)));
    }
    if (head[0] != 0xFF || head[1] != 0xD8) return std::nullopt;
    // JPEG: walk the marker segments up to the first start-of-frame, which holds the size.
    for (;;) {
        int byte = in.get();
        if (byte != 0xFF) return std::nullopt;
        while (byte == 0xFF) byte = in.get();  // fill bytes
        if (byte == EOF) return std::nullopt;
        if (byte == 0x01 || (byte >= 0xD0 && byte <= 0xD7)) continue;  // no length
        if (byte == 0xD9 || byte == 0xDA) return std::nullopt;         // end, or scan data
        unsigned char len[2];
        if (!in.read(reinterpret_cast<char*>(len), 2)) return std::nullopt;
        const uint32_t length = big_endian(len, 2);
        if (length < 2) return std::nullopt;
        const bool frame = byte >= 0xC0 && byte <= 0xCF && byte != 0xC4 && byte != 0xC8 &&
                           byte != 0xCC;  // not DHT, JPG, DAC
        if (frame) {
            unsigned char sof[5];  // precision, height, width
            if (length < 7 || !in.read(reinterpret_cast<char*>(sof), 5)) return std::nullopt;
            return cv::Size(static_cast<int>(big_endian(sof + 3, 2)),
                            static_cast<int>(big_endian(sof + 1, 2)));
        }
        if (!in.seekg(length - 2, std::ios::cur)) return std::nullopt;
    }
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

VocPair load_voc_pair(const VocSample& sample, int classes, bool reduce_zero_label) {
    VocPair pair;
    pair.image = decode_rgb(sample.image);
    if (pair.image.empty()) throw DatasetError("image '" + sample.image + "' is unreadable");
    pair.mask = decode_voc_mask(sample.mask, classes, reduce_zero_label);
    if (pair.mask.size() != pair.image.size())
        throw DatasetError("image '" + sample.image + "' (" + std::to_string(pair.image.cols) +
                           "x" + std::to_string(pair.image.rows) + ") and its mask '" +
                           sample.mask + "' (" + std::to_string(pair.mask.cols) + "x" +
                           std::to_string(pair.mask.rows) + ") differ in size");
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
