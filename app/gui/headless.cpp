// SPDX-License-Identifier: GPL-3.0-or-later
#include "headless.h"

#include "app/cli/console.h"
#include "config/config_schema.h"

#include <iostream>

int run_headless(const tpgm::RunConfig& config) {
    try {
        tpgm::validate_or_throw(config);
    } catch (const tpgm::ConfigError& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 2;
    }
    try {
        return train_in_foreground(config, false);
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
