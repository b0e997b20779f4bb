// SPDX-License-Identifier: GPL-3.0-or-later
#include "facade/runtime_facade.h"

#include "engine/runtime.h"

#include <torch/cuda.h>

namespace tpgm::facade {

void prepare_process() {
    tpgm::prepare_process();
}

std::string describe_device(const std::string& name) {
    try {
        return tpgm::describe_device(tpgm::resolve_device(name));
    } catch (const std::exception& e) {
        return tpgm::error_message(e);
    }
}

}  // namespace tpgm::facade
