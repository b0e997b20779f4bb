// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/file_sources.h"

#include "config/data_sources.h"
#include "data/imagenet_subsets.h"
#include "data/split_list.h"
#include "data/tensor_dataset.h"
#include "runs/set_names.h"

#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <thread>

namespace tpgm {
namespace fs = std::filesystem;
namespace {

constexpr std::uint64_t kSplitSeed = 20230618;  // fixed, so a run's projection split never moves
constexpr int64_t kProjectionPercent = 10;      // of train, when no projection set is given
constexpr std::uint64_t kPercentSeed = 0;       // fixed, so percent subsets nest across runs
constexpr int64_t kBytesPerMb = 1 << 20;

std::string normalised_name(std::string name) {
    for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(c));
    return name;
}

std::string default_set_name(const OodSetConfig& entry) {
    if (!entry.name.empty()) return entry.name;
    fs::path p(entry.path);
    if (!p.has_filename()) p = p.parent_path();  // "imagenet-a/" names the folder
    return fs::is_regular_file(p) ? p.stem().string() : p.filename().string();
}

// Relabels `list` onto `classes` by class name; samples of classes outside it are an error, or
// dropped with `drop_others` (the lists.classes filter).
ImageList align_to(ImageList list, const std::vector<std::string>& classes, const std::string& what,
                   bool drop_others = false) {
    std::map<std::string, int64_t> index;
    for (std::size_t c = 0; c < classes.size(); ++c) index[classes[c]] = static_cast<int64_t>(c);
    std::vector<std::string> unknown;
    std::vector<int64_t> map(list.classes.size(), -1);
    for (std::size_t c = 0; c < list.classes.size(); ++c) {
        auto it = index.find(list.classes[c]);
        if (it != index.end())
            map[c] = it->second;
        else if (!list.classes[c].empty())
            unknown.push_back(list.classes[c]);
    }
    if (!unknown.empty() && !drop_others)
        throw DatasetError(what +
                           " has classes that training does not have: " + first_names(unknown));
    std::vector<ImageSample> kept;
    for (auto& s : list.samples)
        if (map[s.label] >= 0) kept.push_back({std::move(s.path), map[s.label]});
    list.samples = std::move(kept);
    list.classes = classes;
    if (list.samples.empty()) throw DatasetError(what + " has no image of the run's classes");
    return list;
}

// Keeps the samples of the classes named in `keep_file`, re-indexed in the file's order.
ImageList keep_classes(ImageList list, const std::string& keep_file, const std::string& what) {
    const std::vector<std::string> keep = read_class_list(keep_file);
    if (keep.empty()) throw DatasetError("class list '" + keep_file + "' names no class");
    std::vector<std::string> unknown;
    for (const auto& name : keep)
        if (std::find(list.classes.begin(), list.classes.end(), name) == list.classes.end())
            unknown.push_back(name);
    if (!unknown.empty())
        throw DatasetError("class list '" + keep_file + "' names classes " + what +
                           " does not have: " + first_names(unknown));
    std::vector<int64_t> map(list.classes.size(), -1);
    for (std::size_t k = 0; k < keep.size(); ++k) {
        const auto at = std::find(list.classes.begin(), list.classes.end(), keep[k]);
        map[at - list.classes.begin()] = static_cast<int64_t>(k);
    }
    ImageList out{list.root, keep, {}};
    for (auto& s : list.samples)
        if (map[s.label] >= 0) out.samples.push_back({std::move(s.path), map[s.label]});
    return out;
}

bool is_decimal(const std::string& s) {
    return !s.empty() && s.size() < 8 &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// An OOD ImageFolder labelled with the run's classes. Sub-folders named 0, 1, ... that are not
// class names are class indices (ImageNet-V2's layout, in ImageNet class order).
ImageList scan_ood_folder(const std::string& root, const std::vector<std::string>& classes,
                          const std::string& name, bool follow_links) {
    std::error_code ec;
    if (!fs::is_directory(root, ec))
        throw DatasetError("OOD set '" + name + "': folder '" + root + "' does not exist");
    const std::vector<std::string> subdirs = class_folder_names(root);
    std::vector<std::string> unknown;
    for (const auto& d : subdirs)
        if (std::find(classes.begin(), classes.end(), d) == classes.end()) unknown.push_back(d);
    ImageFolderOptions options;
    options.follow_links = follow_links;
    if (unknown.size() == subdirs.size() && !subdirs.empty() &&
        std::all_of(subdirs.begin(), subdirs.end(), [&](const std::string& d) {
            return is_decimal(d) && std::stoll(d) < static_cast<int64_t>(classes.size());
        })) {
        options.classes = subdirs;
        ImageList list = scan_image_folder(root, options);
        for (auto& s : list.samples) s.label = std::stoll(subdirs[s.label]);
        list.classes = classes;
        return list;
    }
    if (!unknown.empty())
        throw DatasetError("OOD set '" + name + "' ('" + root +
                           "') has classes that training does not have: " + first_names(unknown));
    options.classes = classes;
    options.allow_missing_classes = true;  // an OOD set may cover a subset of the classes
    return scan_image_folder(root, options);
}

ImageList read_ood_set(const OodSetConfig& entry, const RunConfig& c,
                       const std::vector<std::string>& classes, const std::string& name) {
    if (fs::is_regular_file(entry.path)) {
        const std::string root = entry.root.empty() ? c.lists.root : entry.root;
        if (root.empty())
            throw DatasetError("OOD set '" + name + "' is a list; give its image root (root:)");
        return align_to(read_split_list(entry.path, root), classes, "OOD set '" + name + "'",
                        !c.lists.classes.empty());
    }
    return scan_ood_folder(entry.path, classes, name, c.folders.follow_links);
}

// The held-out projection split: `proj` when given, else 10% of `train` (moved out of it).
ImageList split_projection(ImageList& train) {
    if (train.size() < 2)
        throw DatasetError("the training set ('" + train.root + "') has " +
                           std::to_string(train.size()) +
                           " image(s): too few to split off the projection set TPGM holds out "
                           "(10%) and keep any for training; add images or give folders.proj "
                           "(lists.proj)");
    const auto order = epoch_order_indices(train.size(), kSplitSeed, 0);
    const int64_t n_proj = std::max<int64_t>(1, train.size() * kProjectionPercent / 100);
    ImageList proj{train.root, train.classes, {}}, rest{train.root, train.classes, {}};
    for (int64_t i = 0; i < train.size(); ++i)
        (i < n_proj ? proj : rest).samples.push_back(train.samples[order[i]]);
    train = std::move(rest);
    return proj;
}

// ID lists of either source: train, proj (maybe empty) and test, labelled alike.
struct IdLists {
    ImageList train, proj, test;
};

// Says which class folders of `root` are left out because training has no such class.
void warn_unknown_class_folders(const std::string& root, const std::vector<std::string>& classes,
                                const std::function<void(const std::string&)>& warn) {
    std::vector<std::string> unknown;
    for (const auto& name : class_folder_names(root))
        if (std::find(classes.begin(), classes.end(), name) == classes.end())
            unknown.push_back(name);
    if (!unknown.empty() && warn)
        warn("'" + root +
             "' has class folders that training does not have; left out: " + first_names(unknown));
}

IdLists folder_lists(const FolderDataConfig& f, const LoadCallbacks& callbacks) {
    ImageFolderOptions options;
    options.follow_links = f.follow_links;
    if (!f.class_list.empty()) options.classes = read_class_list(f.class_list);
    IdLists out;
    out.train = scan_image_folder(f.train, options);
    options.classes = out.train.classes;  // every other set uses the training label indices
    out.test = scan_image_folder(f.test, options);
    warn_unknown_class_folders(f.test, options.classes, callbacks.warn);
    if (!f.proj.empty()) {
        out.proj = scan_image_folder(f.proj, options);
        warn_unknown_class_folders(f.proj, options.classes, callbacks.warn);
    }
    return out;
}

IdLists split_lists(const ListDataConfig& l) {
    IdLists out;
    out.train = read_split_list(l.train, l.root);
    if (!l.classes.empty()) out.train = keep_classes(out.train, l.classes, "'" + l.train + "'");
    out.train = percent_subset(out.train, l.percent, kPercentSeed);
    const bool filtered = !l.classes.empty();  // the other lists keep the same classes
    out.test =
        align_to(read_split_list(l.test, l.root), out.train.classes, "'" + l.test + "'", filtered);
    if (!l.proj.empty())
        out.proj = align_to(read_split_list(l.proj, l.root), out.train.classes, "'" + l.proj + "'",
                            filtered);
    return out;
}

}  // namespace

SetInfo ood_set_info(const OodSetConfig& entry, const std::vector<std::string>& run_classes) {
    SetInfo info;
    info.name = default_set_name(entry);
    const std::string by_name = normalised_name(info.name);
    std::string classes = entry.classes;
    if (entry.kind == "auto") {
        info.kind = SetKind::DomainShift;
        if (by_name == "imagenet-a") info.kind = SetKind::NaturalAdversarial;
        if (by_name == "imagenet-r") info.kind = SetKind::Rendition;
    } else if (entry.kind == "domain") {
        info.kind = SetKind::DomainShift;
    } else if (entry.kind == "adversarial") {
        info.kind = SetKind::NaturalAdversarial;
    } else if (entry.kind == "rendition") {
        info.kind = SetKind::Rendition;
    } else if (entry.kind == "corruption") {
        info.kind = SetKind::Corruption;
        info.corruption = entry.corruption;
        info.severity = entry.severity;
    }
    if (classes.empty() && entry.kind == "auto" &&
        (by_name == "imagenet-a" || by_name == "imagenet-r"))
        classes = by_name;
    if (classes.empty()) return info;
    std::vector<std::string> names;
    if (classes == "imagenet-a" || classes == "imagenet-r")
        names = read_wnid_list(find_datasets_file(
            classes == "imagenet-a" ? "imagenet_a_wnids.txt" : "imagenet_r_wnids.txt"));
    else
        names = read_class_list(classes);
    std::vector<std::string> unknown;
    for (const auto& n : names) {
        const auto at = std::find(run_classes.begin(), run_classes.end(), n);
        if (at == run_classes.end())
            unknown.push_back(n);
        else
            info.class_subset.push_back(at - run_classes.begin());
    }
    if (!unknown.empty())
        throw DatasetError("OOD set '" + info.name + "': class subset '" + classes +
                           "' names classes the run does not have: " + first_names(unknown));
    return info;
}

std::vector<std::string> file_class_names(const RunConfig& c) {
    if (data_source(c).kind == DataSourceKind::Lists)
        return c.lists.classes.empty() ? read_split_list(c.lists.train, c.lists.root, false).classes
                                       : read_class_list(c.lists.classes);
    return c.folders.class_list.empty() ? class_folder_names(c.folders.train)
                                        : read_class_list(c.folders.class_list);
}

RunSets load_file_sets(const RunConfig& c, const LoadCallbacks& callbacks) {
    IdLists id = data_source(c).kind == DataSourceKind::Lists ? split_lists(c.lists)
                                                              : folder_lists(c.folders, callbacks);
    if (id.proj.samples.empty()) id.proj = split_projection(id.train);
    const std::vector<std::string> classes = id.train.classes;  // id.train moves below

    std::vector<std::pair<ImageList, SetInfo>> sets;
    sets.emplace_back(std::move(id.train), SetInfo{"id_train"});
    sets.emplace_back(std::move(id.proj), SetInfo{"id_proj"});
    sets.emplace_back(std::move(id.test), SetInfo{"id_test"});
    for (const auto& entry : c.ood) {
        SetInfo info = ood_set_info(entry, classes);
        ImageList list = read_ood_set(entry, c, classes, info.name);
        if (!info.class_subset.empty()) {
            std::vector<char> allowed(classes.size(), 0);
            for (int64_t k : info.class_subset) allowed[k] = 1;
            for (const auto& s : list.samples)
                if (!allowed[s.label])
                    throw DatasetError("OOD set '" + info.name + "': '" + s.path +
                                       "' is of class '" + classes[s.label] +
                                       "', outside the set's class subset");
        }
        for (const char* reserved : kHeadlineSets)
            if (info.name == reserved)
                throw DatasetError("an OOD set may not be named '" + info.name +
                                   "' (a column of the results); give it another name");
        for (const auto& other : sets)
            if (other.second.name == info.name)
                throw DatasetError("two sets are named '" + info.name +
                                   "'; give one of them a name");
        sets.push_back({std::move(list), std::move(info)});
    }

    int64_t images = 0;
    for (const auto& s : sets) images += s.first.size();
    const int64_t bytes = estimated_memory_bytes(images, c.images.size);
    FileSetOptions options;
    options.size = c.images.size;
    options.in_memory = c.images.loading == "memory" ||
                        (c.images.loading == "auto" && bytes <= c.images.memory_mb * kBytesPerMb);
    options.decode_threads =
        c.images.loader_threads > 0
            ? c.images.loader_threads
            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (callbacks.warn && !options.in_memory && c.images.loading == "auto")
        callbacks.warn(std::to_string(images) + " images (~" + std::to_string(bytes / kBytesPerMb) +
                       " MB decoded) exceed images.memory_mb;"
                       " streaming them from disk");

    RunSets out;
    out.class_names = classes;
    out.norm.mean = c.images.mean;
    out.norm.std = c.images.std;
    out.channels = 3;
    const int64_t phases = static_cast<int64_t>(sets.size());
    for (int64_t k = 0; k < phases; ++k) {
        auto& [list, info] = sets[k];
        if (callbacks.progress)
            callbacks.progress(options.in_memory ? "decoding images" : "listing images", k, phases);
        DecodeReport report;
        const std::string root = list.root;
        ImageSetPtr set = make_file_set(std::move(list), info, options, &report);
        if (report.skipped > 0 && callbacks.warn)
            callbacks.warn(std::to_string(report.skipped) + " unreadable image(s) skipped in '" +
                           info.name + "' (" + root + "): " + first_names(report.first_skipped));
        if (report.cut > 0 && callbacks.warn)
            callbacks.warn(std::to_string(report.cut) + " JPEG(s) in '" + info.name +
                           "' are cut short and decode with their missing part grey: " +
                           first_names(report.first_cut));
        if (k == 0)
            out.train = set;
        else if (k == 1)
            out.proj = set;
        else if (k == 2)
            out.test = set;
        else
            out.ood.push_back(set);
    }
    if (callbacks.progress)
        callbacks.progress(options.in_memory ? "decoding images" : "listing images", phases,
                           phases);
    return out;
}

}  // namespace tpgm
