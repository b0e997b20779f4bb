// SPDX-License-Identifier: GPL-3.0-or-later
// Progress of long preparation phases (loading data, building the demo, pre-training).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace tpgm {

// Called with the phase's name and how far it is; `done == total` when the phase ends.
using ProgressFn = std::function<void(const std::string& phase, int64_t done, int64_t total)>;

}  // namespace tpgm
