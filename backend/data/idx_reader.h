// SPDX-License-Identifier: GPL-3.0-or-later
// Reader for the IDX format of MNIST and Fashion-MNIST, plain or gzip-compressed.
#pragma once

#include <torch/types.h>

#include <stdexcept>
#include <string>

namespace tpgm {

// An IDX file that is missing, truncated, or not what the caller asked for.
class DatasetError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Reads an idx3 image file into a uint8 tensor [N, 1, rows, cols]; validates magic and sizes.
torch::Tensor read_idx_images(const std::string& path);
// Reads an idx1 label file into an int64 tensor [N].
torch::Tensor read_idx_labels(const std::string& path);

}  // namespace tpgm
