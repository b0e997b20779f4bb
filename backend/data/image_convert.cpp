// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/image_convert.h"

#include <torch/torch.h>
#include <opencv2/imgproc.hpp>

#include <stdexcept>
#include <string>

namespace tpgm {

cv::Mat tensor_to_mat(const torch::Tensor& image) {
    TORCH_CHECK(image.dim() == 3 && image.scalar_type() == torch::kUInt8,
                "expected uint8 [C, H, W]");
    auto hwc = image.permute({1, 2, 0}).contiguous();
    const int c = static_cast<int>(hwc.size(2));
    cv::Mat view(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC(c),
                 hwc.data_ptr<uint8_t>());
    return view.clone();
}

torch::Tensor mat_to_tensor(const cv::Mat& image) {
    TORCH_CHECK(image.depth() == CV_8U, "expected an 8-bit image");
    cv::Mat m = image.isContinuous() ? image : image.clone();
    auto t = torch::from_blob(m.data, {m.rows, m.cols, m.channels()}, torch::kUInt8);
    return t.permute({2, 0, 1}).contiguous();
}

cv::Mat loader_order(const cv::Mat& image, int channels) {
    const int given = image.channels();
    if ((channels != 1 && channels != 3) || (given != 1 && given != 3 && given != 4))
        throw std::invalid_argument("cannot give a " + std::to_string(given) +
                                    "-channel image to a model of " + std::to_string(channels) +
                                    " input channels");
    cv::Mat m = image;
    if (m.depth() != CV_8U) m.convertTo(m, CV_8U);  // a new buffer
    // One conversion into a new Mat: cvtColor(m, m, ...) would rewrite the caller's pixels in
    // place whenever the channel count stays (BGR to RGB).
    int code = -1;
    if (channels == 1)
        code = given == 4 ? cv::COLOR_BGRA2GRAY : given == 3 ? cv::COLOR_BGR2GRAY : -1;
    else
        code = given == 4   ? cv::COLOR_BGRA2RGB
               : given == 3 ? cv::COLOR_BGR2RGB
                            : cv::COLOR_GRAY2RGB;
    if (code < 0) return m;
    cv::Mat out;
    cv::cvtColor(m, out, code);
    return out;
}

torch::Tensor map_images(const torch::Tensor& images,
                         const std::function<cv::Mat(const cv::Mat&, int64_t)>& op) {
    auto out = torch::empty_like(images);
    for (int64_t i = 0; i < images.size(0); ++i)
        out[i].copy_(mat_to_tensor(op(tensor_to_mat(images[i]), i)));
    return out;
}

}  // namespace tpgm
