// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/mask_tensor_set.h"

#include "data/segmentation_augment.h"

#include <torch/torch.h>

#include <stdexcept>

namespace tpgm {
namespace {

// A [C, S, S] uint8 tensor as an S x S OpenCV image sharing its memory (HWC for C = 3).
cv::Mat as_mat(const torch::Tensor& chw) {
    const int c = static_cast<int>(chw.size(0));
    const auto hwc = chw.permute({1, 2, 0}).contiguous();
    return cv::Mat(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC(c),
                   hwc.data_ptr<uint8_t>())
        .clone();
}

class MaskTensorSet final : public ImageSet {
  public:
    MaskTensorSet(torch::Tensor images, torch::Tensor masks, SetInfo info, MaskAugment augment)
        : ImageSet(std::move(info)),
          images_(std::move(images)),
          masks_(masks.to(torch::kInt64)),
          augment_(augment) {
        if (images_.dim() != 4 || images_.scalar_type() != torch::kUInt8 ||
            (images_.size(1) != 1 && images_.size(1) != 3))
            throw std::invalid_argument("mask set '" + this->info().name +
                                        "': images must be uint8 [N, 1 or 3, H, W]");
        if (masks_.dim() != 3 || masks_.size(0) != images_.size(0) ||
            masks_.size(1) != images_.size(2) || masks_.size(2) != images_.size(3))
            throw std::invalid_argument("mask set '" + this->info().name +
                                        "': masks must be [N, H, W] matching the images");
    }
    int64_t size() const override { return images_.size(0); }
    torch::Tensor labels() const override { return torch::zeros({size()}, torch::kInt64); }
    bool in_memory() const override { return true; }
    bool dense() const override { return true; }

    SetBatch load(const std::vector<int64_t>& indices, Transform transform,
                  uint64_t seed) const override {
        const auto idx = torch::tensor(indices, torch::kInt64);
        SetBatch b{images_.index_select(0, idx), masks_.index_select(0, idx), 0};
        if (transform == Transform::Eval) return b;
        SegmentationAugmentOptions o;
        o.min_scale = augment_.min_scale;
        o.max_scale = augment_.max_scale;
        o.crop = static_cast<int>(images_.size(2));
        o.fill = augment_.fill;
        for (int64_t k = 0; k < static_cast<int64_t>(indices.size()); ++k) {
            // One generator per example, as the file sets seed theirs: per-example augmentation
            // that data-parallel ranks can reproduce from their share alone.
            std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(indices[k]));
            const cv::Mat mask = as_mat(b.labels[k].to(torch::kUInt8).unsqueeze(0));
            ImageMask out = augment_segmentation(as_mat(b.images[k]), mask, o, rng);
            for (cv::Mat* m : {&out.image, &out.mask})
                if (!m->isContinuous()) *m = m->clone();
            b.images[k].copy_(
                torch::from_blob(out.image.data,
                                 {out.image.rows, out.image.cols, out.image.channels()},
                                 torch::kUInt8)
                    .permute({2, 0, 1}));
            b.labels[k].copy_(
                torch::from_blob(out.mask.data, {out.mask.rows, out.mask.cols}, torch::kUInt8));
        }
        return b;
    }

  private:
    torch::Tensor images_;
    torch::Tensor masks_;
    MaskAugment augment_;
};

}  // namespace

ImageSetPtr make_mask_tensor_set(torch::Tensor images, torch::Tensor masks, SetInfo info,
                                 MaskAugment augment) {
    return std::make_shared<MaskTensorSet>(std::move(images), std::move(masks), std::move(info),
                                           augment);
}

}  // namespace tpgm
