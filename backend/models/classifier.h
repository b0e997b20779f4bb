// SPDX-License-Identifier: GPL-3.0-or-later
// Base of every image classifier: a backbone plus a named, replaceable head.
#pragma once

#include <torch/nn/module.h>

#include <string>

namespace tpgm {

// An image classifier whose final layer ("head") can be swapped for a new number of classes.
class Classifier : public torch::nn::Module {
  public:
    virtual torch::Tensor forward(torch::Tensor images) = 0;
    // Replaces the head by a freshly initialised one with `num_classes` outputs.
    virtual void reset_head(int64_t num_classes) = 0;
    virtual int64_t num_classes() const = 0;
    // Prefix of the head's parameter names, e.g. "fc." for torchvision ResNets.
    virtual std::string head_prefix() const = 0;
    // Prefix under which the model holds a classifier's backbone ("backbone." for segmentation
    // models), so that a classification checkpoint's names can be moved there; "" for none.
    virtual std::string backbone_prefix() const { return ""; }
};

}  // namespace tpgm
