// SPDX-License-Identifier: GPL-3.0-or-later
// TPGM's row passes over the flat CPU buffers, parallel over rows, each reading W and W0 once:
// the CPU counterpart of the tensor-op path in tpgm_projector.cpp (tested against it).
#pragma once

#include "methods/tpgm_projector.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace tpgm::cpu {

// The instruction set the row loops below run: "avx2" (AVX2 + FMA, picked at run time on x86-64
// CPUs that have it) or "baseline".
std::string row_isa();
// Tests and benchmarks: run the baseline loops even where AVX2 is available (the environment
// variable TPGM_CPU_CAPABILITY=baseline does the same for a whole process).
void force_baseline_rows(bool on);

// The rows split into tasks of about equal element counts for the passes below (rows differ in
// length by 100x): the first row of each task, then the row count. Stored in RowTable once.
std::vector<int64_t> plan_tasks(const RowTable& rows);

// Per row r: n_r = ||w_r - w0_r|| (L1 for MARS, L2 otherwise) into `norms` [R]; D into `delta`
// when it is defined; and, when `radii` [N] is defined, rows with n_r > g (g of the row's tensor)
// are projected at once while in cache: w_r <- w0_r + g/(n_r+eps) * (w_r - w0_r).
void measure_rows(const RowTable& rows, bool l1, torch::Tensor& w, const torch::Tensor& w0,
                  torch::Tensor& delta, torch::Tensor& norms, const torch::Tensor& radii);

// w_r <- w0_r + scale_r * d_r for every row.
void project_rows(const RowTable& rows, torch::Tensor& w, const torch::Tensor& w0,
                  const torch::Tensor& delta, const torch::Tensor& scale);

// <grad_r, d_r> per row [R]; `grads` per tensor (undefined: zero).
torch::Tensor row_dots(const RowTable& rows, const std::vector<torch::Tensor>& grads,
                       const torch::Tensor& delta);

}  // namespace tpgm::cpu
