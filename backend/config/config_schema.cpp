#include "config/config_schema.h"

#include "robustness/corruptions.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <sstream>

namespace tpgm {
namespace {

// A field of the table: how to read it from YAML and write it back.
struct Field {
    ConfigFieldInfo info;
    std::function<void(RunConfig&, const YAML::Node&)> read;
    std::function<YAML::Node(const RunConfig&)> write;
};

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
Field make_field(std::string key, std::string doc, std::function<T&(RunConfig&)> ref) {
    Field f;
    f.info = {key, std::move(doc)};
    f.read = [key, ref](RunConfig& c, const YAML::Node& node) {
        if constexpr (!std::is_same_v<T, std::string> && !std::is_arithmetic_v<T>) {
            if (!node.IsSequence()) throw ConfigError(key + ": expected " + type_name<T>());
        } else if (!node.IsScalar()) {
            throw ConfigError(key + ": expected " + type_name<T>());
        }
        try {
            ref(c) = node.as<T>();
        } catch (const YAML::Exception&) {
            throw ConfigError(key + ": expected " + type_name<T>() + ", got '" + YAML::Dump(node) +
                              "'");
        }
    };
    f.write = [ref](const RunConfig& c) {
        YAML::Node n(ref(const_cast<RunConfig&>(c)));
        return n;
    };
    return f;
}

#define TPGM_FIELD(type, key, member, doc) \
    make_field<type>(key, doc, [](RunConfig& c) -> type& { return c.member; })

using Strings = std::vector<std::string>;
using Ints = std::vector<int>;
using Doubles = std::vector<double>;

const std::vector<Field>& fields() {
    static const std::vector<Field> table = {
        TPGM_FIELD(std::string, "method", method,
                   "ft (vanilla fine-tuning) | lp (linear probe) | tpgm"),
        TPGM_FIELD(std::string, "model", model,
                   "architecture from the model registry (tpgm-cli models)"),
        TPGM_FIELD(std::string, "data", data,
                   "dataset source: demo (the embedded Fashion-MNIST shift benchmark)"),
        TPGM_FIELD(std::string, "pretrained", pretrained,
                   "pre-trained checkpoint; empty with data=demo: the demo backbone"),
        TPGM_FIELD(std::string, "run_dir", run_dir,
                   "run folder to write (config, metrics, radii, checkpoints, summary)"),
        TPGM_FIELD(int, "epochs", epochs, "passes over the ID training split"),
        TPGM_FIELD(int, "batch_size", batch_size,
                   "images per optimiser step (and per projection batch)"),
        TPGM_FIELD(int, "eval_every_epochs", eval_every_epochs,
                   "evaluate ID and OOD sets every N epochs; 0: only at the end"),
        TPGM_FIELD(bool, "freeze_bn", freeze_bn,
                   "keep BatchNorm running statistics at their pre-trained values"),
        TPGM_FIELD(std::uint64_t, "seed", seed,
                   "seed of initialisation, data order and augmentation"),
        TPGM_FIELD(int, "threads", threads, "LibTorch intra-op threads; 0: one per core"),
        TPGM_FIELD(std::string, "device", device, "auto (CUDA when available) | cpu | cuda"),
        TPGM_FIELD(bool, "resume", resume, "continue the run in run_dir from its last checkpoint"),
        TPGM_FIELD(int, "checkpoint_every_epochs", checkpoint_every_epochs,
                   "write a resumable checkpoint every N epochs"),
        TPGM_FIELD(std::string, "optim.name", optim.name, "sgd | adamw"),
        TPGM_FIELD(double, "optim.lr", optim.lr, "peak learning rate"),
        TPGM_FIELD(double, "optim.momentum", optim.momentum, "SGD momentum"),
        TPGM_FIELD(bool, "optim.nesterov", optim.nesterov, "SGD Nesterov momentum"),
        TPGM_FIELD(double, "optim.weight_decay", optim.weight_decay,
                   "weight decay (L2 for sgd, decoupled for adamw)"),
        TPGM_FIELD(std::string, "optim.schedule", optim.schedule, "cosine | constant"),
        TPGM_FIELD(int, "optim.warmup_steps", optim.warmup_steps,
                   "linear warm-up steps before the schedule"),
        TPGM_FIELD(double, "optim.label_smoothing", optim.label_smoothing,
                   "cross-entropy label smoothing in [0, 1)"),
        TPGM_FIELD(std::string, "tpgm.norm", tpgm.norm,
                   "mars (per output row) | l2 (whole tensor)"),
        TPGM_FIELD(int, "tpgm.proj_freq", tpgm.proj_freq, "optimiser steps between radius updates"),
        TPGM_FIELD(int, "tpgm.max_iters", tpgm.max_iters, "radius Adam steps per update"),
        TPGM_FIELD(double, "tpgm.proj_lr", tpgm.proj_lr, "radius Adam learning rate (paper: 1e-2)"),
        TPGM_FIELD(Strings, "tpgm.exclude", tpgm.exclude,
                   "regexes of parameter names left unconstrained"),
        TPGM_FIELD(bool, "tpgm.post_hoc", tpgm.post_hoc,
                   "fine-tune freely, then learn radii and project once"),
        TPGM_FIELD(int, "tpgm.post_hoc_iters", tpgm.post_hoc_iters,
                   "radius steps of the post-hoc projection"),
        TPGM_FIELD(std::string, "demo.fashion_mnist_dir", demo.fashion_mnist_dir,
                   "folder with the Fashion-MNIST idx .gz files"),
        TPGM_FIELD(std::string, "demo.cache_dir", demo.cache_dir,
                   "where the built benchmark is cached; empty: ~/.cache/tpgm-workbench"),
        TPGM_FIELD(int, "demo.pretrain_images", demo.pretrain_images,
                   "style-diverse pre-training images"),
        TPGM_FIELD(int, "demo.pretrain_epochs", demo.pretrain_epochs, "pre-training passes"),
        TPGM_FIELD(int, "demo.id_train", demo.id_train, "labelled ID fine-tuning images"),
        TPGM_FIELD(int, "demo.id_proj", demo.id_proj, "held-out ID images for radius updates"),
        TPGM_FIELD(int, "demo.id_test", demo.id_test, "ID test images"),
        TPGM_FIELD(int, "demo.ood_images", demo.ood_images, "images per OOD set"),
        TPGM_FIELD(Strings, "demo.corruptions", demo.corruptions,
                   "corruption OOD families (ImageNet-C names)"),
        TPGM_FIELD(Ints, "demo.severities", demo.severities, "corruption severities (1..5)"),
        TPGM_FIELD(int, "demo.width", demo.width, "base width of the demo ResNet"),
        TPGM_FIELD(std::uint64_t, "demo.seed", demo.seed, "seed of the benchmark's construction"),
        TPGM_FIELD(std::string, "folders.train", folders.train,
                   "data=folders: ImageFolder root of the ID training images"),
        TPGM_FIELD(std::string, "folders.proj", folders.proj,
                   "held-out ID images for TPGM; empty: 10% of train, split off"),
        TPGM_FIELD(std::string, "folders.test", folders.test,
                   "ImageFolder root of the ID test images"),
        TPGM_FIELD(Strings, "folders.ood", folders.ood,
                   "ImageFolder roots of OOD test sets (named by folder)"),
        TPGM_FIELD(std::string, "folders.class_list", folders.class_list,
                   "file of class names in label order; empty: train's sub-folders"),
        TPGM_FIELD(int, "folders.image_size", folders.image_size,
                   "images are resized and centre-cropped to this square size"),
        TPGM_FIELD(Doubles, "folders.mean", folders.mean,
                   "per-channel mean the checkpoint expects (0..1 scale)"),
        TPGM_FIELD(Doubles, "folders.std", folders.std, "per-channel std the checkpoint expects"),
    };
    return table;
}
#undef TPGM_FIELD

const Field* find_field(const std::string& key) {
    for (const auto& f : fields())
        if (f.info.key == key) return &f;
    return nullptr;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
            diag = up;
        }
    }
    return row[b.size()];
}

[[noreturn]] void unknown_key(const std::string& key) {
    std::string best;
    std::size_t best_d = 4;
    for (const auto& f : fields()) {
        std::size_t d = edit_distance(key, f.info.key);
        if (d < best_d) best_d = d, best = f.info.key;
    }
    throw ConfigError("unknown key '" + key + "'" +
                      (best.empty() ? std::string() : " (did you mean '" + best + "'?)"));
}

void read_map(RunConfig& c, const YAML::Node& node, const std::string& prefix) {
    for (const auto& kv : node) {
        const std::string key = prefix + kv.first.as<std::string>();
        if (const Field* f = find_field(key)) {
            f->read(c, kv.second);
        } else if (kv.second.IsMap()) {
            bool is_section = std::any_of(fields().begin(), fields().end(), [&](const Field& f) {
                return f.info.key.rfind(key + ".", 0) == 0;
            });
            if (!is_section) unknown_key(key);
            read_map(c, kv.second, key + ".");
        } else {
            unknown_key(key);
        }
    }
}

}  // namespace

const std::vector<ConfigFieldInfo>& config_fields() {
    static const std::vector<ConfigFieldInfo> infos = [] {
        std::vector<ConfigFieldInfo> out;
        for (const auto& f : fields()) out.push_back(f.info);
        return out;
    }();
    return infos;
}

RunConfig parse_config_yaml(const std::string& yaml_text, RunConfig base) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::ParserException& e) {
        throw ConfigError(std::string("not valid YAML: ") + e.what());
    }
    if (root.IsNull()) return base;
    if (!root.IsMap()) throw ConfigError("a config file must be a YAML mapping of keys to values");
    read_map(base, root, "");
    return base;
}

RunConfig load_config_file(const std::string& path, RunConfig base) {
    std::ifstream in(path);
    if (!in) throw ConfigError("cannot open config file '" + path + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    try {
        return parse_config_yaml(ss.str(), std::move(base));
    } catch (const ConfigError& e) {
        throw ConfigError(path + ": " + e.what());
    }
}

void apply_override(RunConfig& config, const std::string& key_equals_value) {
    const auto eq = key_equals_value.find('=');
    if (eq == std::string::npos || eq == 0)
        throw ConfigError("override '" + key_equals_value + "' is not of the form key=value");
    const std::string key = key_equals_value.substr(0, eq);
    const Field* f = find_field(key);
    if (!f) unknown_key(key);
    YAML::Node value;
    try {
        value = YAML::Load(key_equals_value.substr(eq + 1));
    } catch (const YAML::ParserException& e) {
        throw ConfigError(key + ": value is not valid YAML: " + e.what());
    }
    if (value.IsNull()) value = YAML::Node(std::string());
    f->read(config, value);
}

std::string to_yaml(const RunConfig& config) {
    YAML::Node root;
    for (const auto& f : fields()) {
        const auto& key = f.info.key;
        const auto dot = key.find('.');
        if (dot == std::string::npos)
            root[key] = f.write(config);
        else
            root[key.substr(0, dot)][key.substr(dot + 1)] = f.write(config);
    }
    YAML::Emitter out;
    out << root;
    return std::string(out.c_str()) + "\n";
}

std::string documented_defaults_yaml() {
    const RunConfig defaults;
    std::ostringstream out;
    out << "# TPGM Workbench run configuration. Every key is optional; these are the defaults.\n";
    std::string section;
    for (const auto& f : fields()) {
        const auto& key = f.info.key;
        const auto dot = key.find('.');
        std::string name = key, indent;
        if (dot != std::string::npos) {
            if (key.substr(0, dot) != section) {
                section = key.substr(0, dot);
                out << section << ":\n";
            }
            name = key.substr(dot + 1);
            indent = "  ";
        }
        YAML::Emitter value;
        value << YAML::Flow << f.write(defaults);
        out << indent << name << ": " << value.c_str() << "  # " << f.info.doc << "\n";
    }
    return out.str();
}

std::vector<ConfigIssue> validate(const RunConfig& c) {
    std::vector<ConfigIssue> issues;
    auto need = [&](bool ok, const char* key, const std::string& msg) {
        if (!ok) issues.push_back({key, msg});
    };
    auto one_of = [&](const std::string& v, std::initializer_list<const char*> choices,
                      const char* key) {
        std::string list;
        for (const char* ch : choices) {
            if (v == ch) return;
            list += (list.empty() ? "" : ", ") + std::string(ch);
        }
        issues.push_back({key, "'" + v + "' is not one of: " + list});
    };
    one_of(c.method, {"ft", "lp", "tpgm"}, "method");
    one_of(c.data, {"demo", "folders"}, "data");
    if (c.data == "folders") {
        need(!c.folders.train.empty(), "folders.train", "data=folders needs a training folder");
        need(!c.folders.test.empty(), "folders.test", "data=folders needs a test folder");
        need(!c.pretrained.empty(), "pretrained", "data=folders needs a pre-trained checkpoint");
        need(c.folders.image_size >= 8, "folders.image_size", "must be at least 8");
        need(c.folders.mean.size() == c.folders.std.size() && !c.folders.mean.empty(),
             "folders.std", "mean and std must have one value per channel");
    }
    one_of(c.device, {"auto", "cpu", "cuda"}, "device");
    one_of(c.optim.name, {"sgd", "adamw"}, "optim.name");
    one_of(c.optim.schedule, {"cosine", "constant"}, "optim.schedule");
    one_of(c.tpgm.norm, {"mars", "l2"}, "tpgm.norm");
    need(!c.run_dir.empty(), "run_dir", "must not be empty");
    need(c.epochs >= 1, "epochs", "must be at least 1");
    need(c.batch_size >= 1, "batch_size", "must be at least 1");
    need(c.eval_every_epochs >= 0, "eval_every_epochs", "must be 0 or more");
    need(c.threads >= 0, "threads", "must be 0 (all cores) or more");
    need(c.checkpoint_every_epochs >= 1, "checkpoint_every_epochs", "must be at least 1");
    need(c.optim.lr > 0 && std::isfinite(c.optim.lr), "optim.lr", "must be a positive number");
    need(c.optim.momentum >= 0 && c.optim.momentum < 1, "optim.momentum", "must be in [0, 1)");
    need(c.optim.weight_decay >= 0, "optim.weight_decay", "must be 0 or more");
    need(c.optim.warmup_steps >= 0, "optim.warmup_steps", "must be 0 or more");
    need(c.optim.label_smoothing >= 0 && c.optim.label_smoothing < 1, "optim.label_smoothing",
         "must be in [0, 1)");
    need(c.tpgm.proj_freq >= 1, "tpgm.proj_freq", "must be at least 1");
    need(c.tpgm.max_iters >= 1, "tpgm.max_iters", "must be at least 1");
    need(c.tpgm.proj_lr > 0 && std::isfinite(c.tpgm.proj_lr), "tpgm.proj_lr",
         "must be a positive number");
    need(c.tpgm.post_hoc_iters >= 1, "tpgm.post_hoc_iters", "must be at least 1");
    for (const auto& pattern : c.tpgm.exclude) {
        try {
            std::regex re(pattern);
        } catch (const std::regex_error&) {
            issues.push_back(
                {"tpgm.exclude", "'" + pattern + "' is not a valid regular expression"});
        }
    }
    need(c.demo.pretrain_images >= 100, "demo.pretrain_images", "must be at least 100");
    need(c.demo.pretrain_epochs >= 1, "demo.pretrain_epochs", "must be at least 1");
    need(c.demo.id_train >= 10, "demo.id_train", "must be at least 10");
    need(c.demo.id_proj >= 10, "demo.id_proj", "must be at least 10");
    need(c.demo.id_test >= 10, "demo.id_test", "must be at least 10");
    need(c.demo.ood_images >= 10, "demo.ood_images", "must be at least 10");
    need(c.demo.id_train + c.demo.id_proj + c.demo.pretrain_images <= 50000, "demo.id_train",
         "pre-training, ID train and projection images must fit in 50,000 training images");
    need(c.demo.id_test <= 10000 && c.demo.ood_images <= 10000, "demo.id_test",
         "test sets draw from the 10,000 test images");
    need(c.demo.width >= 4 && c.demo.width <= 256, "demo.width", "must be in [4, 256]");
    need(!c.optim.nesterov || c.optim.name != "sgd" || c.optim.momentum > 0, "optim.nesterov",
         "Nesterov momentum needs optim.momentum > 0");
    for (const auto& name : c.demo.corruptions)
        need(robustness::corruption_from_name(name).has_value(), "demo.corruptions",
             "'" + name + "' is not an ImageNet-C corruption name");
    for (int s : c.demo.severities)
        need(s >= 1 && s <= 5, "demo.severities",
             "severity " + std::to_string(s) + " is not in 1..5");
    return issues;
}

void validate_or_throw(const RunConfig& config) {
    const auto issues = validate(config);
    if (issues.empty()) return;
    std::string msg = "invalid configuration:";
    for (const auto& i : issues) msg += "\n  " + i.key + ": " + i.message;
    throw ConfigError(msg);
}

}  // namespace tpgm
