// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/image_folder.h"

#include "data/image_convert.h"
#include "files/atomic_file.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace tpgm {

namespace fs = std::filesystem;

bool is_image_file(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    static const std::set<std::string> kExt = {".jpg", ".jpeg", ".png",  ".bmp", ".ppm",
                                               ".pgm", ".tif",  ".tiff", ".webp"};
    return kExt.count(ext) > 0;
}

std::vector<std::string> read_class_list(const std::string& path) {
    check_regular_input(path, "class list");
    std::ifstream in(path);
    if (!in) throw DatasetError("class list '" + path + "' cannot be read");
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (std::string line; std::getline(in, line);) {
        line = line.substr(0, line.find('#'));
        std::istringstream ss(line);
        std::string name;
        if (!(ss >> name)) continue;
        if (!seen.insert(name).second)
            throw DatasetError("class list '" + path + "' names '" + name + "' twice");
        out.push_back(name);
    }
    if (out.empty()) throw DatasetError("class list '" + path + "' is empty");
    return out;
}

std::vector<std::string> list_image_files(const std::string& dir, bool follow_links) {
    std::vector<std::string> files;
    std::set<std::pair<dev_t, ino_t>> visited;  // directories entered, so link loops end
    std::vector<fs::path> pending{dir};
    std::error_code ec;
    while (!pending.empty()) {
        const fs::path at = pending.back();
        pending.pop_back();
        struct stat st {};
        if (::stat(at.c_str(), &st) != 0 || !visited.insert({st.st_dev, st.st_ino}).second)
            continue;
        for (auto it = fs::directory_iterator(at, ec); !ec && it != fs::directory_iterator();
             it.increment(ec)) {
            const bool link = it->is_symlink(ec);
            if (it->is_directory(ec)) {
                if (!link || follow_links) pending.push_back(it->path());
            } else if (it->is_regular_file(ec) && is_image_file(it->path().string())) {
                files.push_back(it->path().string());  // a link to a file is fine
            }
        }
    }
    return files;
}

std::string first_names(const std::vector<std::string>& names) {
    std::string s;
    for (std::size_t k = 0; k < names.size() && k < 5; ++k) s += (k ? ", " : "") + names[k];
    if (names.size() > 5) s += ", ... (" + std::to_string(names.size()) + " in all)";
    return s;
}

std::vector<std::string> class_folder_names(const std::string& root) {
    std::error_code ec;
    std::vector<std::string> names;
    for (auto it = fs::directory_iterator(root, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        // Hidden folders (.ipynb_checkpoints, .git) are tools' leftovers, not classes.
        std::string name = it->path().filename().string();
        if (it->is_directory(ec) && name.rfind('.', 0) != 0) names.push_back(std::move(name));
    }
    std::sort(names.begin(), names.end());
    return names;
}

ImageList scan_image_folder(const std::string& root, const ImageFolderOptions& options) {
    std::error_code ec;
    if (!fs::is_directory(root, ec))
        throw DatasetError("image folder '" + root + "' does not exist");
    ImageList list;
    list.root = root;
    list.classes = options.classes;
    if (list.classes.empty()) {
        list.classes = class_folder_names(root);
        if (list.classes.empty())
            throw DatasetError("image folder '" + root + "' has no class sub-folders");
    }
    std::vector<std::string> missing, empty;
    for (std::size_t c = 0; c < list.classes.size(); ++c) {
        const fs::path dir = fs::path(root) / list.classes[c];
        if (!fs::is_directory(dir, ec)) {
            missing.push_back(list.classes[c]);
            continue;
        }
        std::vector<std::string> files = list_image_files(dir.string(), options.follow_links);
        if (files.empty()) empty.push_back(list.classes[c]);
        std::sort(files.begin(), files.end());
        for (auto& f : files) list.samples.push_back({std::move(f), static_cast<int64_t>(c)});
    }
    const auto names = first_names;
    if (!missing.empty() && !options.allow_missing_classes)
        throw DatasetError("image folder '" + root + "' lacks class folders: " + names(missing));
    if (!empty.empty() && !options.allow_empty_classes)
        throw DatasetError("image folder '" + root +
                           "' has classes without images: " + names(empty));
    if (list.samples.empty()) throw DatasetError("image folder '" + root + "' holds no images");
    return list;
}

namespace {

// A JPEG ends with its EOI marker (FF D9), perhaps followed by a little padding. Entropy-coded
// data never holds FF D9, so a file cut short lacks it in its tail; libjpeg decodes such a file
// with the missing rows grey and prints an unnamed warning, hence this check.
bool jpeg_is_cut(const std::vector<uchar>& bytes) {
    constexpr std::size_t kTail = 1024;  // bytes searched for the marker
    if (bytes.size() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8) return false;  // not a JPEG
    const std::size_t from = bytes.size() > kTail ? bytes.size() - kTail : 2;
    for (std::size_t k = bytes.size() - 1; k > from; --k)
        if (bytes[k - 1] == 0xFF && bytes[k] == 0xD9) return false;
    return true;
}

}  // namespace

cv::Mat decode_rgb(const std::string& path, bool* cut) {
    std::ifstream in(path, std::ios::binary);
    const std::vector<uchar> bytes{std::istreambuf_iterator<char>(in), {}};
    if (cut) *cut = jpeg_is_cut(bytes);
    cv::Mat bgr;
    try {
        if (!bytes.empty()) bgr = cv::imdecode(bytes, cv::IMREAD_COLOR);
    } catch (const cv::Exception&) {
        return {};
    }
    if (bgr.empty()) return {};
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

void DecodeReport::add_skipped(const std::string& path) {
    ++skipped;
    if (first_skipped.size() < 5) first_skipped.push_back(path);
}

void DecodeReport::add_cut(const std::string& path) {
    ++cut;
    if (first_cut.size() < 5) first_cut.push_back(path);
}

}  // namespace tpgm
