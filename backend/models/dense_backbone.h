// SPDX-License-Identifier: GPL-3.0-or-later
// The backbone seam of a segmentation model: images in, one feature map out.
#pragma once

#include <torch/nn/module.h>

namespace tpgm {

// A backbone that maps images [N, C, H, W] to a feature map [N, out_channels, H', W'] with
// H' = ceil(H / output_stride) (ResNets, ViTs); a segmentation head sits on that map.
class DenseBackbone : public torch::nn::Module {
  public:
    virtual torch::Tensor forward(torch::Tensor images) = 0;
    virtual int64_t out_channels() const = 0;
    virtual int64_t output_stride() const = 0;
    // Inputs whose sides are not a multiple of this are padded (bottom and right) before the
    // backbone and the logits cropped back: a ViT's patches must tile the image. 1: no padding.
    virtual int64_t input_multiple() const { return 1; }
};

}  // namespace tpgm
