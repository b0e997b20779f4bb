// SPDX-License-Identifier: GPL-3.0-or-later
// Reading, overriding and writing run configs through the schema's table (config_fields.cpp).
#include "config/config_schema.h"

#include "config/config_table.h"
#include "files/atomic_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace tpgm {
namespace {

// Keys that moved, so that an old config gets a pointer instead of a bare "unknown key".
const std::map<std::string, std::string>& renamed_keys() {
    static const std::map<std::string, std::string> renamed = {
        {"folders.ood", "ood"},
        {"folders.image_size", "images.size"},
        {"folders.mean", "images.mean"},
        {"folders.std", "images.std"},
    };
    return renamed;
}

const Field* find_field(const std::string& key) {
    for (const auto& f : config_table())
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
    if (auto it = renamed_keys().find(key); it != renamed_keys().end())
        throw ConfigError("'" + key + "' is now '" + it->second + "'");
    std::string best;
    std::size_t best_d = 4;
    for (const auto& f : config_table()) {
        std::size_t d = edit_distance(key, f.info.key);
        if (d < best_d) best_d = d, best = f.info.key;
    }
    throw ConfigError("unknown key '" + key + "'" +
                      (best.empty() ? std::string() : " (did you mean '" + best + "'?)"));
}

void read_map(RunConfig& c, const YAML::Node& node, const std::string& prefix) {
    std::set<std::string> seen;  // yaml-cpp keeps duplicate keys; the later would win silently
    for (const auto& kv : node) {
        const std::string key = prefix + kv.first.as<std::string>();
        if (!seen.insert(key).second) throw ConfigError("key '" + key + "' appears twice");
        if (const Field* f = find_field(key)) {
            f->read(c, kv.second);
        } else if (kv.second.IsMap()) {
            bool is_section =
                std::any_of(config_table().begin(), config_table().end(),
                            [&](const Field& f) { return f.info.key.rfind(key + ".", 0) == 0; });
            if (!is_section) unknown_key(key);
            read_map(c, kv.second, key + ".");
        } else {
            unknown_key(key);
        }
    }
}

}  // namespace

std::string ConfigFieldInfo::section() const {
    const auto dot = key.find('.');
    return dot == std::string::npos ? std::string() : key.substr(0, dot);
}

const ConfigFieldInfo* find_config_field(const std::string& key) {
    const Field* f = find_field(key);
    return f ? &f->info : nullptr;
}

std::string field_value_yaml(const RunConfig& config, const std::string& key) {
    const Field* f = find_field(key);
    if (!f) unknown_key(key);
    YAML::Emitter out;
    out << YAML::Flow << f->write(config);
    return out.c_str();
}

const std::vector<ConfigFieldInfo>& config_fields() {
    static const std::vector<ConfigFieldInfo> infos = [] {
        std::vector<ConfigFieldInfo> out;
        for (const auto& f : config_table()) out.push_back(f.info);
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
    constexpr std::streamsize kMaxConfigBytes = 1 << 20;  // run configs are a few hundred lines
    try {
        check_regular_input(path, "config file");
    } catch (const std::runtime_error& e) {
        throw ConfigError(e.what());
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError("cannot open config file '" + path + "'");
    std::string text(kMaxConfigBytes + 1, '\0');
    in.read(text.data(), kMaxConfigBytes + 1);
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (static_cast<std::streamsize>(text.size()) > kMaxConfigBytes)
        throw ConfigError("config file '" + path + "' is larger than 1 MiB; not a run config");
    std::stringstream ss(text);
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
    for (const auto& f : config_table()) {
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
    for (const auto& f : config_table()) {
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

}  // namespace tpgm
