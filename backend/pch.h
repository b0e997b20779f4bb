// SPDX-License-Identifier: GPL-3.0-or-later
// Precompiled header for the backend: LibTorch is the slow part of every translation unit.
#pragma once
#include <torch/torch.h>

#include <spdlog/spdlog.h>

#include <string>
#include <vector>
