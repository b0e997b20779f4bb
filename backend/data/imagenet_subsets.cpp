// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/imagenet_subsets.h"

#include <torch/torch.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <unordered_map>

namespace tpgm {

namespace fs = std::filesystem;

std::vector<std::string> read_wnid_list(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw DatasetError("WordNet id list '" + path + "' cannot be read");
    std::vector<std::string> out;
    std::set<std::string> seen;
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
        ++line_no;
        std::istringstream ss(line);
        std::string id;
        if (!(ss >> id) || id[0] == '#') continue;
        const bool ok = id.size() == 9 && id[0] == 'n' &&
                        id.find_first_not_of("0123456789", 1) == std::string::npos;
        if (!ok)
            throw DatasetError(path + ":" + std::to_string(line_no) + ": '" + id +
                               "' is not a WordNet id");
        if (!seen.insert(id).second) throw DatasetError(path + ": '" + id + "' is listed twice");
        out.push_back(id);
    }
    if (out.empty()) throw DatasetError("WordNet id list '" + path + "' is empty");
    return out;
}

std::string find_datasets_file(const std::string& name) {
    std::vector<fs::path> dirs;
    if (const char* env = std::getenv("TPGM_DATASETS_DIR")) dirs.emplace_back(env);
    dirs.emplace_back("datasets");
#ifdef TPGM_SOURCE_DIR
    dirs.emplace_back(fs::path(TPGM_SOURCE_DIR) / "datasets");
#endif
    dirs.emplace_back(fs::path(__FILE__).parent_path().parent_path().parent_path() / "datasets");
    dirs.emplace_back("/usr/share/tpgm-workbench/datasets");
    for (const auto& d : dirs)
        if (fs::is_regular_file(d / name)) return (d / name).string();
    throw DatasetError("'" + name +
                       "' not found in $TPGM_DATASETS_DIR, ./datasets or the install prefix");
}

ClassSubset make_class_subset(const std::vector<std::string>& all,
                              const std::vector<std::string>& subset) {
    std::unordered_map<std::string, int64_t> pos;
    for (std::size_t k = 0; k < all.size(); ++k) pos.emplace(all[k], static_cast<int64_t>(k));
    ClassSubset out;
    out.wnids = subset;
    std::vector<int64_t> idx;
    std::vector<std::string> absent;
    for (const auto& w : subset) {
        auto it = pos.find(w);
        if (it == pos.end())
            absent.push_back(w);
        else
            idx.push_back(it->second);
    }
    if (!absent.empty())
        throw DatasetError(std::to_string(absent.size()) +
                           " class(es) of the subset are not among the model's " +
                           std::to_string(all.size()) + ", e.g. " + absent.front());
    out.indices = torch::tensor(idx, torch::kInt64);
    out.mask = torch::zeros({static_cast<int64_t>(all.size())}, torch::kBool);
    if (!idx.empty()) out.mask.index_fill_(0, out.indices, true);
    return out;
}

torch::Tensor restrict_logits(const torch::Tensor& logits, const ClassSubset& subset) {
    if (logits.dim() != 2 || logits.size(1) != subset.mask.size(0))
        throw DatasetError(
            "logits have " + std::to_string(logits.dim() == 2 ? logits.size(1) : -1) +
            " classes, the subset was made for " + std::to_string(subset.mask.size(0)));
    return logits.index_select(1, subset.indices.to(logits.device()));
}

}  // namespace tpgm
