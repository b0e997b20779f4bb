// SPDX-License-Identifier: GPL-3.0-or-later
// Conversions between uint8 image tensors [C, H, W] and OpenCV matrices (H x W, C channels).
#pragma once

#include <torch/types.h>
#include <opencv2/core.hpp>

#include <functional>

namespace tpgm {

cv::Mat tensor_to_mat(const torch::Tensor& image);
torch::Tensor mat_to_tensor(const cv::Mat& image);
// An image as OpenCV reads a file (8-bit or not; 1, 3 or 4 channels, colour in BGR order) in
// the order the loaders give a model: 8-bit, `channels` channels (1 or 3), colour as RGB. Never
// writes into `image` (the result shares its pixels when nothing needed converting); throws
// std::invalid_argument for other channel counts.
cv::Mat loader_order(const cv::Mat& image, int channels);
// Applies an OpenCV image operation to every image of a uint8 batch [N, C, H, W].
torch::Tensor map_images(const torch::Tensor& images,
                         const std::function<cv::Mat(const cv::Mat&, int64_t index)>& op);

}  // namespace tpgm
