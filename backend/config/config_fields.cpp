// SPDX-License-Identifier: GPL-3.0-or-later
// The config schema's table: every key of a run config with its type, documentation, allowed
// values and YAML accessors, one line per key (config_table.h).
#include "config/config_schema.h"
#include "config/config_table.h"
#include "config/data_sources.h"
#include "config/methods.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>

namespace tpgm {
namespace {

template <typename T>
std::string type_name() {
    if constexpr (std::is_same_v<T, bool>)
        return "true or false";
    else if constexpr (std::is_integral_v<T>)
        return "an integer";
    else if constexpr (std::is_floating_point_v<T>)
        return "a number";
    else if constexpr (std::is_same_v<T, std::string>)
        return "a string";
    else
        return "a list";
}

template <typename T>
FieldType field_type() {
    if constexpr (std::is_same_v<T, bool>)
        return FieldType::Bool;
    else if constexpr (std::is_integral_v<T>)
        return FieldType::Int;
    else if constexpr (std::is_floating_point_v<T>)
        return FieldType::Real;
    else if constexpr (std::is_same_v<T, std::string>)
        return FieldType::Text;
    else if constexpr (std::is_same_v<T, std::vector<std::string>>)
        return FieldType::TextList;
    else if constexpr (std::is_same_v<T, std::vector<int>>)
        return FieldType::IntList;
    else
        return FieldType::RealList;
}

// The shortest decimal that reads back as exactly `v`: 0.485, not yaml-cpp's 0.48499999999999999.
std::string shortest_text(double v) {
    // YAML's own spellings: printf's "nan" and "inf" would not read back as numbers.
    if (std::isnan(v)) return ".nan";
    if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";
    char text[32];
    for (int digits = 1; digits <= 17; ++digits) {
        std::snprintf(text, sizeof(text), "%.*g", digits, v);
        if (std::strtod(text, nullptr) == v) break;
    }
    return text;
}

// A whole number too large for T is "out of range", not "expected an integer".
template <typename T>
void throw_if_out_of_range(const std::string& key, const YAML::Node& node) {
    long double v = 0;
    try {
        v = node.as<long double>();
    } catch (const YAML::Exception&) {
        return;
    }
    if (std::isfinite(v) && v == std::floor(v))
        throw ConfigError(key + ": " + YAML::Dump(node) + " is out of range (" +
                          std::to_string(std::numeric_limits<T>::min()) + " to " +
                          std::to_string(std::numeric_limits<T>::max()) + ")");
}

template <typename T>
Field make_field(std::string key, std::string doc, std::function<T&(RunConfig&)> ref) {
    Field f;
    f.info = {key, std::move(doc), field_type<T>()};
    f.read = [key, ref](RunConfig& c, const YAML::Node& node) {
        if constexpr (!std::is_same_v<T, std::string> && !std::is_arithmetic_v<T>) {
            if (!node.IsSequence()) throw ConfigError(key + ": expected " + type_name<T>());
        } else if (!node.IsScalar()) {
            throw ConfigError(key + ": expected " + type_name<T>());
        }
        try {
            ref(c) = node.as<T>();
        } catch (const YAML::Exception&) {
            if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
                throw_if_out_of_range<T>(key, node);
            throw ConfigError(key + ": expected " + type_name<T>() + ", got '" + YAML::Dump(node) +
                              "'");
        }
    };
    f.write = [ref](const RunConfig& c) {
        const T& value = ref(const_cast<RunConfig&>(c));
        if constexpr (std::is_floating_point_v<T>) {
            return YAML::Node(shortest_text(value));
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
            YAML::Node list(YAML::NodeType::Sequence);
            for (double v : value) list.push_back(shortest_text(v));
            return list;
        } else {
            return YAML::Node(value);
        }
    };
    return f;
}

// The method registry's names, the default first (the first choice is the default).
std::vector<std::string> method_choices() {
    freeze_method_registry();  // the table is built once: no method may appear after it
    std::vector<std::string> names{RunConfig{}.method};
    for (const auto& m : methods())
        if (m.name != names.front()) names.push_back(m.name);
    return names;
}
std::string method_doc() {
    std::string doc;
    for (const auto& m : methods())
        doc += (doc.empty() ? "" : " | ") + m.name + (m.help.empty() ? "" : " (" + m.help + ")");
    return doc;
}
std::vector<std::string> data_choices() {
    std::vector<std::string> names;
    for (const auto& s : data_sources()) names.push_back(s.name);
    return names;
}
std::string data_doc() {
    std::string doc;
    for (const auto& s : data_sources())
        doc += (doc.empty() ? "dataset source: " : " | ") + s.name + " (" + s.help + ")";
    return doc;
}

// Narrows a field's type and allowed values; the table below reads as one line per key.
Field choices(Field f, std::vector<std::string> allowed) {
    f.info.type = FieldType::Choice;
    f.info.choices = std::move(allowed);
    return f;
}
Field range(Field f, double min, double max = 1e300) {
    f.info.min = min;
    f.info.max = max;
    return f;
}
Field file(Field f) {
    f.info.type = FieldType::File;
    return f;
}
Field folder(Field f) {
    f.info.type = FieldType::Folder;
    return f;
}

#define TPGM_FIELD(type, key, member, doc) \
    make_field<type>(key, doc, [](RunConfig& c) -> type& { return c.member; })

using Strings = std::vector<std::string>;
using Ints = std::vector<int>;
using Doubles = std::vector<double>;

// The keys of one OOD set entry: (key, documentation, member).
struct OodKey {
    ConfigFieldInfo info;
    std::string OodSetConfig::*text = nullptr;
    int OodSetConfig::*number = nullptr;
};
const std::vector<OodKey>& ood_keys() {
    static const std::vector<OodKey> keys = {
        {{"path", "ImageFolder root, or a split-list file (path label lines)", FieldType::File},
         &OodSetConfig::path},
        {{"name", "shown in tables and plots; empty: the folder or file name"},
         &OodSetConfig::name},
        {{"root", "a list's image root; empty: lists.root", FieldType::Folder},
         &OodSetConfig::root},
        {{"kind",
          "auto (domain, or the ImageNet-A/R kind by name) | domain | adversarial | rendition | "
          "corruption",
          FieldType::Choice,
          {"auto", "domain", "adversarial", "rendition", "corruption"}},
         &OodSetConfig::kind},
        {{"classes", "restrict logits to: imagenet-a | imagenet-r | a file of class names",
          FieldType::Text},
         &OodSetConfig::classes},
        {{"corruption", "kind corruption: the ImageNet-C name"}, &OodSetConfig::corruption},
        {{"severity", "kind corruption: 1..5", FieldType::Int, {}, 0, 5},
         nullptr,
         &OodSetConfig::severity},
    };
    return keys;
}

OodSetConfig read_ood_set(const YAML::Node& node, const std::string& where) {
    OodSetConfig set;
    if (node.IsScalar()) {  // a bare path
        set.path = node.as<std::string>();
        return set;
    }
    if (!node.IsMap()) throw ConfigError(where + ": expected a path or a mapping with 'path'");
    for (const auto& kv : node) {
        const std::string key = kv.first.as<std::string>();
        const auto& keys = ood_keys();
        auto it = std::find_if(keys.begin(), keys.end(),
                               [&](const OodKey& k) { return k.info.key == key; });
        if (it == keys.end()) {
            std::string names;
            for (const auto& k : keys) names += (names.empty() ? "" : ", ") + k.info.key;
            throw ConfigError(where + ": unknown key '" + key + "' (an OOD set has " + names + ")");
        }
        if (!kv.second.IsScalar()) throw ConfigError(where + "." + key + ": expected a value");
        try {
            if (it->text)
                set.*(it->text) = kv.second.as<std::string>();
            else
                set.*(it->number) = kv.second.as<int>();
        } catch (const YAML::Exception&) {
            throw_if_out_of_range<int>(where + "." + key, kv.second);
            throw ConfigError(where + "." + key + ": expected an integer, got '" +
                              YAML::Dump(kv.second) + "'");
        }
    }
    return set;
}

YAML::Node write_ood_set(const OodSetConfig& set) {
    YAML::Node node(YAML::NodeType::Map);
    const OodSetConfig defaults;
    for (const auto& k : ood_keys()) {
        if (k.text && set.*(k.text) != defaults.*(k.text)) node[k.info.key] = set.*(k.text);
        if (k.number && set.*(k.number) != defaults.*(k.number)) node[k.info.key] = set.*(k.number);
    }
    if (node.size() == 0) node["path"] = "";
    return node;
}

Field ood_field() {
    Field f;
    f.info = {"ood",
              "OOD test sets of data=folders|lists: a path each, or {path, name, root, kind, "
              "classes, corruption, severity}",
              FieldType::SetList};
    f.read = [](RunConfig& c, const YAML::Node& node) {
        if (!node.IsSequence()) throw ConfigError("ood: expected a list of sets");
        c.ood.clear();
        for (std::size_t i = 0; i < node.size(); ++i)
            c.ood.push_back(read_ood_set(node[i], "ood[" + std::to_string(i) + "]"));
    };
    f.write = [](const RunConfig& c) {
        YAML::Node list(YAML::NodeType::Sequence);
        for (const auto& set : c.ood) list.push_back(write_ood_set(set));
        return list;
    };
    return f;
}

const std::vector<Field>& fields() {
    static const std::vector<Field> table = {
        choices(TPGM_FIELD(std::string, "method", method, method_doc()), method_choices()),
        // The registry's names (models/registry.cpp; a test keeps the two lists equal).
        choices(
            TPGM_FIELD(std::string, "model", model,
                       "architecture from the model registry (tpgm-cli models)"),
            {"demo_resnet", "resnet18", "resnet34", "resnet50", "vit_s16", "vit_b16", "demo_fcn",
             "demo_deeplabv3", "fcn_resnet50", "deeplabv3_resnet50", "fcn_vit_s16", "fcn_vit_b16"}),
        choices(TPGM_FIELD(std::string, "data", data, data_doc()), data_choices()),
        file(TPGM_FIELD(std::string, "pretrained", pretrained,
                        "pre-trained checkpoint; empty with data=demo: the demo backbone")),
        folder(TPGM_FIELD(std::string, "run_dir", run_dir,
                          "run folder to write (config, metrics, radii, checkpoints, summary)")),
        range(TPGM_FIELD(int, "epochs", epochs, "passes over the ID training split"), 1),
        range(TPGM_FIELD(int, "batch_size", batch_size,
                         "images per optimiser step (and per projection batch)"),
              1),
        range(TPGM_FIELD(int, "eval_every_epochs", eval_every_epochs,
                         "evaluate ID and OOD sets every N epochs; 0: only at the end"),
              0),
        TPGM_FIELD(bool, "freeze_bn", freeze_bn,
                   "keep BatchNorm running statistics at their pre-trained values"),
        TPGM_FIELD(std::uint64_t, "seed", seed,
                   "seed of initialisation, data order and augmentation"),
        range(TPGM_FIELD(int, "threads", threads, "LibTorch intra-op threads; 0: one per core"), 0),
        choices(
            TPGM_FIELD(std::string, "device", device, "auto (CUDA when available) | cpu | cuda"),
            {"auto", "cpu", "cuda"}),
        choices(TPGM_FIELD(std::string, "precision", precision,
                           "float32 | float64: weights, activations and optimiser state in double "
                           "precision (slower; for runs that must agree across processes, thread "
                           "counts and CPUs to rounding)"),
                {"float32", "float64"}),
        TPGM_FIELD(bool, "resume", resume, "continue the run in run_dir from its last checkpoint"),
        TPGM_FIELD(bool, "overwrite", overwrite,
                   "replace an earlier run in run_dir; without it a new run there is refused"),
        range(TPGM_FIELD(int, "checkpoint_every_epochs", checkpoint_every_epochs,
                         "write a resumable checkpoint every N epochs"),
              1),
        range(TPGM_FIELD(int, "checkpoint_every_steps", checkpoint_every_steps,
                         "also write one every N optimiser steps; 0: only per epoch"),
              0),
        range(TPGM_FIELD(int, "keep_checkpoints", keep_checkpoints,
                         "checkpoints/step-<N>.pt copies kept to fork a run from (newest)"),
              0, 1000),
        choices(TPGM_FIELD(std::string, "optim.name", optim.name, "sgd | adamw"), {"sgd", "adamw"}),
        range(TPGM_FIELD(double, "optim.lr", optim.lr, "peak learning rate"), 1e-12),
        range(TPGM_FIELD(double, "optim.momentum", optim.momentum, "SGD momentum in [0, 1)"), 0,
              0.999999),
        TPGM_FIELD(bool, "optim.nesterov", optim.nesterov, "SGD Nesterov momentum"),
        range(TPGM_FIELD(double, "optim.weight_decay", optim.weight_decay,
                         "weight decay (L2 for sgd, decoupled for adamw)"),
              0),
        choices(TPGM_FIELD(std::string, "optim.schedule", optim.schedule, "cosine | constant"),
                {"cosine", "constant"}),
        range(TPGM_FIELD(int, "optim.warmup_steps", optim.warmup_steps,
                         "linear warm-up steps before the schedule"),
              0),
        range(TPGM_FIELD(double, "optim.label_smoothing", optim.label_smoothing,
                         "cross-entropy label smoothing in [0, 1)"),
              0, 0.999999),
        choices(TPGM_FIELD(std::string, "tpgm.norm", tpgm.norm,
                           "mars (per output row) | l2 (whole tensor)"),
                {"mars", "l2"}),
        range(TPGM_FIELD(int, "tpgm.proj_freq", tpgm.proj_freq,
                         "optimiser steps between radius updates"),
              1),
        range(TPGM_FIELD(int, "tpgm.max_iters", tpgm.max_iters, "radius Adam steps per update"), 1),
        range(TPGM_FIELD(double, "tpgm.proj_lr", tpgm.proj_lr,
                         "radius Adam learning rate (paper: 1e-2)"),
              1e-12),
        TPGM_FIELD(Strings, "tpgm.exclude", tpgm.exclude,
                   "regexes of parameter names left unconstrained"),
        TPGM_FIELD(bool, "tpgm.post_hoc", tpgm.post_hoc,
                   "fine-tune freely, then learn radii and project once"),
        range(TPGM_FIELD(int, "tpgm.post_hoc_iters", tpgm.post_hoc_iters,
                         "radius steps of the post-hoc projection"),
              1),
        range(TPGM_FIELD(double, "l2sp.alpha", l2sp.alpha,
                         "L2-SP: alpha/2 ||w - w0||^2 on the pre-trained weights"),
              0),
        range(TPGM_FIELD(double, "l2sp.beta", l2sp.beta, "L2-SP: beta/2 ||w||^2 on the new head"),
              0),
        range(TPGM_FIELD(double, "spd.weight_decay", spd.weight_decay,
                         "SPD: lambda, the pull back towards W0 where the gradient points away"),
              0),
        range(TPGM_FIELD(double, "ftp.k", ftp.k,
                         "FTP: scale of a positive radius gradient (paper: 1)"),
              0),
        range(TPGM_FIELD(double, "ftp.lr", ftp.lr,
                         "FTP: the radii's Adam learning rate (paper: 1e-2)"),
              1e-12),
        range(TPGM_FIELD(int, "lpft.probe_epochs", lpft.probe_epochs,
                         "LP-FT: epochs of linear probing before every layer trains"),
              1),
        range(TPGM_FIELD(double, "wise.alpha", wise.alpha,
                         "WiSE-FT: a of the final model, (1-a) pre-trained + a fine-tuned"),
              0, 1),
        TPGM_FIELD(bool, "wise.sweep", wise.sweep,
                   "WiSE-FT: also score a = 0, 0.1, ..., 1 on every test set (wise.json)"),
        range(TPGM_FIELD(int, "dist.timeout_s", dist.timeout_s,
                         "data parallel: seconds before a dead or hung rank stops the others"),
              1, 86400),
        TPGM_FIELD(bool, "dist.sync_bn", dist.sync_bn,
                   "data parallel: BatchNorm normalises with the whole batch's statistics "
                   "(SyncBatchNorm) instead of each process's share"),
        folder(TPGM_FIELD(std::string, "demo.fashion_mnist_dir", demo.fashion_mnist_dir,
                          "folder with the Fashion-MNIST idx .gz files")),
        folder(TPGM_FIELD(std::string, "demo.cache_dir", demo.cache_dir,
                          "where the built benchmark is cached; empty: ~/.cache/tpgm-workbench")),
        range(TPGM_FIELD(int, "demo.pretrain_images", demo.pretrain_images,
                         "style-diverse pre-training images"),
              100),
        range(TPGM_FIELD(int, "demo.pretrain_epochs", demo.pretrain_epochs, "pre-training passes"),
              1),
        range(TPGM_FIELD(int, "demo.id_train", demo.id_train, "labelled ID fine-tuning images"),
              10),
        range(
            TPGM_FIELD(int, "demo.id_proj", demo.id_proj, "held-out ID images for radius updates"),
            10),
        range(TPGM_FIELD(int, "demo.id_test", demo.id_test, "ID test images"), 10, 10000),
        range(TPGM_FIELD(int, "demo.ood_images", demo.ood_images, "images per OOD set"), 10, 10000),
        TPGM_FIELD(Strings, "demo.corruptions", demo.corruptions,
                   "corruption OOD families (ImageNet-C names)"),
        TPGM_FIELD(Ints, "demo.severities", demo.severities, "corruption severities (1..5)"),
        range(TPGM_FIELD(int, "demo.width", demo.width, "base width of the demo ResNet"), 4, 256),
        TPGM_FIELD(std::uint64_t, "demo.seed", demo.seed, "seed of the benchmark's construction"),
        range(TPGM_FIELD(int, "images.size", images.size,
                         "data=folders|lists: square model input size in pixels"),
              8, 4096),
        TPGM_FIELD(Doubles, "images.mean", images.mean,
                   "per-channel mean the checkpoint expects (0..1 scale)"),
        TPGM_FIELD(Doubles, "images.std", images.std, "per-channel std the checkpoint expects"),
        choices(TPGM_FIELD(std::string, "images.loading", images.loading,
                           "auto (memory while the sets fit in images.memory_mb) | memory | "
                           "stream (decode from disk every batch)"),
                {"auto", "memory", "stream"}),
        range(TPGM_FIELD(int, "images.memory_mb", images.memory_mb,
                         "auto loading: decoded sets kept in memory up to this size"),
              0),
        range(TPGM_FIELD(int, "images.loader_threads", images.loader_threads,
                         "image decoding threads; 0: one per core"),
              0),  // at most max_sane_threads(), checked in validate()
        range(TPGM_FIELD(int, "images.prefetch_batches", images.prefetch_batches,
                         "batches decoded ahead of the training step"),
              1, 64),
        choices(TPGM_FIELD(std::string, "seg.labels", seg.labels,
                           "data=seg_demo: semantic (the item's class) | parts (upper, middle, "
                           "lower third of each item)"),
                {"semantic", "parts"}),
        range(TPGM_FIELD(int, "seg.scene_size", seg.scene_size, "data=seg_demo: scene side (px)"),
              32, 512),
        range(TPGM_FIELD(int, "seg.train_scenes", seg.train_scenes,
                         "data=seg_demo: labelled training scenes"),
              10, 20000),
        range(TPGM_FIELD(int, "seg.proj_scenes", seg.proj_scenes,
                         "data=seg_demo: held-out scenes for TPGM's radius updates"),
              10, 20000),
        range(TPGM_FIELD(int, "seg.test_scenes", seg.test_scenes, "data=seg_demo: test scenes"), 10,
              20000),
        range(TPGM_FIELD(int, "seg.ood_scenes", seg.ood_scenes,
                         "data=seg_demo: test scenes per corruption x severity"),
              10, 20000),
        folder(TPGM_FIELD(std::string, "seg.root", seg.root,
                          "data=voc: dataset root in the VOC layout (VOCdevkit/VOC2012)")),
        TPGM_FIELD(std::string, "seg.images", seg.images, "data=voc: image folder under root"),
        TPGM_FIELD(std::string, "seg.masks", seg.masks,
                   "data=voc: mask folder under root (palette or index PNGs, 255 ignored)"),
        TPGM_FIELD(std::string, "seg.lists", seg.lists,
                   "data=voc: folder of the split lists under root"),
        TPGM_FIELD(std::string, "seg.train", seg.train, "data=voc: training split name"),
        TPGM_FIELD(std::string, "seg.proj", seg.proj,
                   "data=voc: held-out split for TPGM; empty: 10% of train, split off"),
        TPGM_FIELD(std::string, "seg.test", seg.test, "data=voc: test split name"),
        file(TPGM_FIELD(std::string, "seg.classes", seg.classes,
                        "data=voc: file of class names in label order; empty: VOC's 21")),
        TPGM_FIELD(bool, "seg.reduce_zero_label", seg.reduce_zero_label,
                   "data=voc: masks whose 0 means unlabelled (PASCAL-Context 59 as "
                   "mmsegmentation ships it): 0 is not scored, label k is class k-1"),
        range(TPGM_FIELD(int, "seg.crop", seg.crop, "data=voc: training crop side (px)"), 16, 4096),
        range(TPGM_FIELD(double, "seg.min_scale", seg.min_scale,
                         "data=voc: smallest random scale of a training pair"),
              0.05, 1),
        range(TPGM_FIELD(double, "seg.max_scale", seg.max_scale,
                         "data=voc: largest random scale of a training pair"),
              1, 10),
        range(TPGM_FIELD(int, "seg.eval_size", seg.eval_size,
                         "data=voc: evaluation size; 0: full resolution"),
              0, 4096),
        TPGM_FIELD(Strings, "seg.corruptions", seg.corruptions,
                   "segmentation OOD sets: the test set under these ImageNet-C corruptions"),
        TPGM_FIELD(Ints, "seg.severities", seg.severities,
                   "segmentation OOD sets: corruption severities (1..5)"),
        folder(TPGM_FIELD(std::string, "folders.train", folders.train,
                          "data=folders: ImageFolder root of the ID training images")),
        folder(TPGM_FIELD(std::string, "folders.proj", folders.proj,
                          "held-out ID images for TPGM; empty: 10% of train, split off")),
        folder(TPGM_FIELD(std::string, "folders.test", folders.test,
                          "ImageFolder root of the ID test images")),
        file(TPGM_FIELD(std::string, "folders.class_list", folders.class_list,
                        "file of class names in label order; empty: train's sub-folders")),
        TPGM_FIELD(bool, "folders.follow_links", folders.follow_links,
                   "descend into symbolic links to folders when scanning image folders (OOD "
                   "folders too); each folder is read once, so a link loop ends"),
        folder(TPGM_FIELD(std::string, "lists.root", lists.root,
                          "data=lists: folder the list paths are relative to")),
        file(TPGM_FIELD(std::string, "lists.train", lists.train,
                        "split list of the ID training images (path label per line)")),
        file(TPGM_FIELD(std::string, "lists.proj", lists.proj,
                        "held-out list for TPGM; empty: 10% of train, split off")),
        file(TPGM_FIELD(std::string, "lists.test", lists.test, "split list of the ID test images")),
        range(TPGM_FIELD(double, "lists.percent", lists.percent,
                         "class-balanced percent of train used (nested subsets)"),
              1e-6, 100),
        file(TPGM_FIELD(std::string, "lists.classes", lists.classes,
                        "file of class names to keep, re-indexed in its order; empty: all")),
        ood_field(),
    };
    return table;
}
#undef TPGM_FIELD

}  // namespace

const std::vector<Field>& config_table() {
    return fields();
}

const std::vector<ConfigFieldInfo>& ood_set_fields() {
    static const std::vector<ConfigFieldInfo> infos = [] {
        std::vector<ConfigFieldInfo> out;
        for (const auto& k : ood_keys()) out.push_back(k.info);
        return out;
    }();
    return infos;
}

}  // namespace tpgm
