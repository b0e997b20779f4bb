// SPDX-License-Identifier: GPL-3.0-or-later
// The method registry: every fine-tuning method's name and texts, torch-free, so that the config
// schema, the CLI and the window list the same methods (config/method_list.def).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tpgm {

// What the front ends and the config know about one method; its code lives in methods/.
struct MethodInfo {
    std::string name;                  // config value and run-folder prefix: "tpgm"
    std::string title;                 // the window's choice: "TPGM (trainable projection)"
    std::string help;                  // `tpgm-cli config`: "trainable projected gradient method"
    std::string section_title;         // title of its own keys' section (name.*); "" for none
    bool compared_by_default = false;  // in a new comparison
    bool baseline = false;             // the comparison's cost baseline (vanilla fine-tuning)
    bool head_only = false;  // trains only a new head: no distance from the pre-trained weights
    std::string compare_variant;  // an override the compare view also offers: "tpgm.post_hoc=true"
    std::string variant_title;    // how tables and plots name that variant: "post-hoc"
};

// Every method, built-in ones in the README's order, then registered ones.
const std::vector<MethodInfo>& methods();
// The method called `name`, or nullptr.
const MethodInfo* find_method(std::string_view name);
// Its position in methods() (the order tables list methods in); methods().size() if unknown.
std::size_t method_rank(std::string_view name);
// The method a run or comparison entry is of: "tpgm" for "tpgm", "tpgm-seed2" and
// "tpgm@tpgm.proj_lr=0.1"; "" when it names none.
std::string method_of_entry(std::string_view entry);
// The comparison's cost baseline ("ft").
const MethodInfo& baseline_method();
// Adds a method (a plug-in or a test). Must run before the config schema is first used, since
// the schema's choices are built once; throws std::logic_error after that or for a name taken.
void register_method(MethodInfo info);
// Closes registration; the config schema calls it when it builds its table.
void freeze_method_registry();

}  // namespace tpgm
