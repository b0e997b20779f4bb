// SPDX-License-Identifier: GPL-3.0-or-later
// The config schema's table (config_fields.cpp), internal to backend/config: config_schema.cpp
// reads and writes configs through it, config_validate.cpp checks values and resumes against it.
#pragma once

#include "config/config_schema.h"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <vector>

namespace tpgm {

// A field of the table: how to read it from YAML and write it back.
struct Field {
    ConfigFieldInfo info;
    std::function<void(RunConfig&, const YAML::Node&)> read;
    std::function<YAML::Node(const RunConfig&)> write;
};

// A numeric field's bound when it has none (ConfigFieldInfo's default range).
inline constexpr double kInf = 1e300;

// Every key of a run config with its documentation, type, allowed values and accessors, in
// file order.
const std::vector<Field>& config_table();

}  // namespace tpgm
