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

// Dotted key and one-line documentation of every field, in file order.
struct ConfigFieldInfo {
    std::string key;
    std::string doc;
};
const std::vector<ConfigFieldInfo>& config_fields();

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

}  // namespace tpgm
