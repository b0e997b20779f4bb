// SPDX-License-Identifier: GPL-3.0-or-later
// Process and device set-up for front ends that must not include LibTorch (the Qt window).
#pragma once

#include <string>

namespace tpgm::facade {

// Call first thing in main(): OpenMP wait policy and allocator settings (engine/runtime.h).
void prepare_process();
// "cpu" / "cuda:0 (NVIDIA ...)" for a device setting such as "auto"; the error text when the
// device cannot be used.
std::string describe_device(const std::string& name);

}  // namespace tpgm::facade
