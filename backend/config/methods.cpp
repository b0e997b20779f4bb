// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/methods.h"

#include <stdexcept>

namespace tpgm {

namespace {

constexpr int kComparedByDefault = 1;
constexpr int kBaseline = 2;
constexpr int kHeadOnly = 4;

struct Registry {
    std::vector<MethodInfo> methods;
    bool frozen = false;
};

Registry& registry() {
    static Registry r = [] {
        Registry built;
#define TPGM_METHOD(name, title, help, section_title, flags, variant, variant_title)               \
    built.methods.push_back({#name, title, help, section_title, ((flags)&kComparedByDefault) != 0, \
                             ((flags)&kBaseline) != 0, ((flags)&kHeadOnly) != 0, variant,          \
                             variant_title});
#include "config/method_list.def"
#undef TPGM_METHOD
        return built;
    }();
    return r;
}

}  // namespace

const std::vector<MethodInfo>& methods() {
    return registry().methods;
}

const MethodInfo* find_method(std::string_view name) {
    for (const auto& m : methods())
        if (m.name == name) return &m;
    return nullptr;
}

std::size_t method_rank(std::string_view name) {
    const auto& all = methods();
    for (std::size_t i = 0; i < all.size(); ++i)
        if (all[i].name == name) return i;
    return all.size();
}

std::string method_of_entry(std::string_view entry) {
    // Longest match first: a method whose name starts another's ("lp" and "lpft").
    const MethodInfo* best = nullptr;
    for (const auto& m : methods()) {
        if (entry.substr(0, m.name.size()) != m.name) continue;
        const std::string_view rest = entry.substr(m.name.size());
        if (!rest.empty() && rest[0] != '@' && rest[0] != '-' && rest[0] != '_') continue;
        if (!best || m.name.size() > best->name.size()) best = &m;
    }
    return best ? best->name : std::string();
}

const MethodInfo& baseline_method() {
    for (const auto& m : methods())
        if (m.baseline) return m;
    throw std::logic_error("the method registry names no baseline");
}

void register_method(MethodInfo info) {
    Registry& r = registry();
    if (r.frozen)
        throw std::logic_error("method '" + info.name +
                               "' registered after the config schema was built");
    if (info.name.empty() || find_method(info.name))
        throw std::logic_error("method name '" + info.name + "' is empty or taken");
    r.methods.push_back(std::move(info));
}

void freeze_method_registry() {
    registry().frozen = true;
}

}  // namespace tpgm
