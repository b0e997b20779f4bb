// SPDX-License-Identifier: GPL-3.0-or-later
// tpgm-cli config / models: what can be configured and which architectures exist.
#include "commands.h"

#include "config/config_schema.h"
#include "models/registry.h"

#include <algorithm>
#include <iomanip>
#include <iostream>

void register_info_commands(CLI::App& app) {
    app.add_subcommand("config",
                       "Print every config key with its default and meaning (a valid config file)")
        ->callback([] { std::cout << tpgm::documented_defaults_yaml(); });
    app.add_subcommand("models", "List the model architectures")->callback([] {
        const auto models = tpgm::model_catalogue();
        std::size_t width = 0;
        for (const auto& [name, doc] : models) width = std::max(width, name.size());
        for (const auto& [name, doc] : models)
            std::cout << std::left << std::setw(static_cast<int>(width) + 2) << name << doc << "\n";
    });
}
