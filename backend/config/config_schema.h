// SPDX-License-Identifier: GPL-3.0-or-later
// Reading, writing, documenting and validating RunConfig: one table of fields drives all four.
#pragma once

#include "config/run_config.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace tpgm {

// A config file or override that cannot be used; the message names the key.
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// One problem found by validate(): the dotted key and what is wrong with its value.
struct ConfigIssue {
    std::string key;
    std::string message;
};

// What kind of value a field holds: drives YAML reading, validation and the window's editors.
enum class FieldType {
    Bool,
    Int,
    Real,
    Text,
    Choice,    // one of `choices`
    File,      // a path to a file (Browse opens a file dialog)
    Folder,    // a path to a folder
    TextList,  // list of strings
    IntList,
    RealList,
    SetList,  // the OOD sets: a list of OodSetConfig
};

// Dotted key, one-line documentation, type and allowed values of every field, in file order.
struct ConfigFieldInfo {
    std::string key;
    std::string doc;
    FieldType type = FieldType::Text;
    std::vector<std::string> choices;  // Choice: the allowed values, the first is the default
    double min = -1e300, max = 1e300;  // Int / Real: the allowed range, bounds included
    std::string section() const;       // "optim" for "optim.lr"; "" for top-level keys
};
const std::vector<ConfigFieldInfo>& config_fields();
// The field called `key`, or nullptr.
const ConfigFieldInfo* find_config_field(const std::string& key);
// A field's value in `config` as YAML text (flow style for lists), e.g. "0.05" or "[1, 3]".
std::string field_value_yaml(const RunConfig& config, const std::string& key);
// The keys of one OOD set entry, with their documentation (the window's set editor uses them).
const std::vector<ConfigFieldInfo>& ood_set_fields();

// Reads YAML text over `base`; unknown keys and values of the wrong type throw ConfigError.
RunConfig parse_config_yaml(const std::string& yaml_text, RunConfig base = {});
RunConfig load_config_file(const std::string& path, RunConfig base = {});
// Applies "optim.lr=0.1" style overrides (value parsed as YAML); throws ConfigError.
void apply_override(RunConfig& config, const std::string& key_equals_value);
// The resolved config as YAML; parse_config_yaml(to_yaml(c)) == c.
std::string to_yaml(const RunConfig& config);
// The defaults as YAML with each field's documentation as a comment.
std::string documented_defaults_yaml();
// Value checks (ranges, choices); empty when the config can run.
std::vector<ConfigIssue> validate(const RunConfig& config);
// Throws ConfigError listing every issue when validate() finds any.
void validate_or_throw(const RunConfig& config);

// The most threads any option may ask for: 4 per core (tens of thousands deadlock LibTorch).
int max_sane_threads();

// Whether `key` may differ when a run resumes: keys that change neither the model, the data,
// the method nor the optimisation (epochs, evaluation cadence, threads, device, loading).
bool changeable_on_resume(const std::string& key);
// Keys whose values differ between two configs, as "key: old -> new", in file order.
std::vector<std::pair<std::string, std::string>> config_differences(const RunConfig& before,
                                                                    const RunConfig& after);
// Checks that `resumed` only changes what may change against the run's own `original`; throws
// ConfigError naming every key that may not, after `refusal` (which names what `original` is).
// Returns the changes ("epochs: 20 -> 30").
std::vector<std::string> check_resume_changes(
    const RunConfig& original, const RunConfig& resumed,
    const std::string& refusal =
        "a resumed run keeps its settings; these differ from its "
        "config.yaml:");

}  // namespace tpgm
