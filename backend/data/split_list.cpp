// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/split_list.h"

#include "files/atomic_file.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace tpgm {

namespace fs = std::filesystem;

ImageList read_split_list(const std::string& list_file, const std::string& root, bool check_files) {
    check_regular_input(list_file, "split list");
    std::ifstream in(list_file);
    if (!in) throw DatasetError("split list '" + list_file + "' cannot be read");
    ImageList list;
    list.root = root;
    std::vector<std::string> missing;
    int64_t missing_count = 0;
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        // The label is the last token; paths may contain spaces.
        const auto cut = line.find_last_of(" \t");
        std::string path = cut == std::string::npos ? "" : line.substr(0, cut);
        path.erase(path.find_last_not_of(" \t") + 1);
        const std::string label_text = cut == std::string::npos ? "" : line.substr(cut + 1);
        int64_t label = -1;
        try {
            std::size_t used = 0;
            label = std::stoll(label_text, &used);
            if (used != label_text.size()) label = -1;
        } catch (const std::exception&) {
        }
        if (path.empty() || label < 0 || label > 1000000)
            throw DatasetError(list_file + ":" + std::to_string(line_no) +
                               ": expected 'path label', got '" + line.substr(0, 120) + "'");
        const std::string full = (fs::path(root) / path).string();
        if (check_files && !fs::is_regular_file(full)) {
            if (missing.size() < 5) missing.push_back(full);
            ++missing_count;
        }
        // The class is the image's folder as the path resolves ("a/x/../c.png" is in "a"); a
        // path with no folder of its own (".." or none) names no class, so no class name can
        // lead a writer of class folders (hard-subset) outside its output.
        std::string cls = fs::path(path).lexically_normal().parent_path().filename().string();
        if (cls == "." || cls == "..") cls.clear();
        if (static_cast<int64_t>(list.classes.size()) <= label) list.classes.resize(label + 1);
        if (list.classes[label].empty())
            list.classes[label] = cls;
        else if (!cls.empty() && list.classes[label] != cls)
            throw DatasetError(list_file + ":" + std::to_string(line_no) + ": label " +
                               std::to_string(label) + " is class '" + list.classes[label] +
                               "' elsewhere, '" + cls + "' here");
        list.samples.push_back({full, label});
    }
    if (list.samples.empty()) throw DatasetError("split list '" + list_file + "' has no entries");
    if (missing_count) {
        std::string names;
        for (const auto& m : missing) names += "\n  " + m;
        throw DatasetError("split list '" + list_file + "' points to " +
                           std::to_string(missing_count) + " missing file(s) under '" + root +
                           "', e.g.:" + names);
    }
    for (std::size_t c = 0; c < list.classes.size(); ++c)
        if (list.classes[c].empty()) {
            bool used = std::any_of(
                list.samples.begin(), list.samples.end(),
                [&](const ImageSample& s) { return s.label == static_cast<int64_t>(c); });
            if (!used)
                throw DatasetError("split list '" + list_file + "' has no image of class " +
                                   std::to_string(c) + " (labels must be 0..K-1 without gaps)");
            list.classes[c] = "class_" + std::to_string(c);
        }
    return list;
}

void write_split_list(const ImageList& list, const std::string& list_file) {
    std::ofstream out(list_file);
    if (!out) throw DatasetError("cannot write split list '" + list_file + "'");
    for (const auto& s : list.samples)
        out << fs::path(s.path).lexically_relative(list.root).generic_string() << " " << s.label
            << "\n";
    if (!out) throw DatasetError("could not write split list '" + list_file + "'");
}

ImageList percent_subset(const ImageList& list, double percent, uint64_t seed) {
    if (!(percent > 0 && percent <= 100))
        throw DatasetError("subset percentage must be in (0, 100], got " + std::to_string(percent));
    std::vector<std::vector<std::size_t>> by_class(list.classes.size());
    for (std::size_t i = 0; i < list.samples.size(); ++i) {
        const int64_t l = list.samples[i].label;
        if (l < 0) continue;
        if (static_cast<std::size_t>(l) >= by_class.size()) by_class.resize(l + 1);
        by_class[l].push_back(i);
    }
    std::vector<std::size_t> keep;
    for (std::size_t c = 0; c < by_class.size(); ++c) {
        auto& idx = by_class[c];
        if (idx.empty()) continue;
        // Fisher-Yates with our own draws: std::shuffle differs between standard libraries.
        std::mt19937_64 rng(seed * 1000003u + c);
        for (std::size_t k = idx.size() - 1; k > 0; --k) std::swap(idx[k], idx[rng() % (k + 1)]);
        const auto n = std::max<std::size_t>(
            1, static_cast<std::size_t>(std::lround(idx.size() * percent / 100.0)));
        keep.insert(keep.end(), idx.begin(), idx.begin() + std::min(n, idx.size()));
    }
    std::sort(keep.begin(), keep.end());
    ImageList out;
    out.root = list.root;
    out.classes = list.classes;
    for (std::size_t i : keep) out.samples.push_back(list.samples[i]);
    return out;
}

}  // namespace tpgm
