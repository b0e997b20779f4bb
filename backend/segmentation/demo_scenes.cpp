// SPDX-License-Identifier: GPL-3.0-or-later
#include "segmentation/demo_scenes.h"

#include <torch/torch.h>

#include <cmath>
#include <random>
#include <stdexcept>

namespace tpgm {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kBackgroundMax = 90;  // background stays darker than most ink: items stand out

// A smooth random texture in [0, kBackgroundMax]: two oriented waves and fine noise, so that a
// model must use shape, not just brightness, to find the items.
void paint_background(uint8_t* out, int64_t size, std::mt19937_64& rng) {
    std::uniform_real_distribution<double> unit(0, 1);
    struct Wave {
        double fx, fy, phase, amplitude;
    };
    Wave waves[2];
    for (auto& w : waves) {
        const double angle = unit(rng) * kPi, frequency = (1 + 5 * unit(rng)) / size;
        w = {std::cos(angle) * frequency, std::sin(angle) * frequency, unit(rng) * 2 * kPi,
             0.5 + unit(rng)};
    }
    std::normal_distribution<double> noise(0, 0.08);
    const double total = waves[0].amplitude + waves[1].amplitude;
    for (int64_t y = 0; y < size; ++y)
        for (int64_t x = 0; x < size; ++x) {
            double v = 0;
            for (const auto& w : waves)
                v += w.amplitude * std::sin(2 * kPi * (w.fx * x + w.fy * y) + w.phase);
            v = 0.5 + 0.5 * v / total + noise(rng);
            out[y * size + x] =
                static_cast<uint8_t>(std::lround(std::clamp(v, 0.0, 1.0) * kBackgroundMax));
        }
}

// The first and last rows of `item` that hold ink (-1, -1 for an empty item).
std::pair<int64_t, int64_t> inked_rows(const uint8_t* item, int64_t h, int64_t w, int threshold) {
    int64_t first = -1, last = -1;
    for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
            if (item[y * w + x] > threshold) {
                if (first < 0) first = y;
                last = y;
                break;
            }
    return {first, last};
}

}  // namespace

SceneSet compose_scenes(const torch::Tensor& items, const torch::Tensor& labels,
                        const std::vector<std::string>& item_classes, int64_t count,
                        const SceneOptions& o, uint64_t seed) {
    if (items.dim() != 4 || items.size(1) != 1 || items.scalar_type() != torch::kUInt8)
        throw std::invalid_argument("compose_scenes: items must be uint8 [M, 1, h, w]");
    if (labels.dim() != 1 || labels.size(0) != items.size(0) || items.size(0) == 0)
        throw std::invalid_argument("compose_scenes: " + std::to_string(labels.numel()) +
                                    " labels for " + std::to_string(items.size(0)) + " items");
    const int64_t h = items.size(2), w = items.size(3), s = o.size;
    if (h > s || w > s || o.max_items < 1)
        throw std::invalid_argument("compose_scenes: " + std::to_string(h) + "x" +
                                    std::to_string(w) + " items do not fit " + std::to_string(s) +
                                    "x" + std::to_string(s) + " scenes");
    const auto item_data = items.contiguous();
    const auto label_data = labels.to(torch::kInt64).contiguous();
    const auto* pixels = item_data.data_ptr<uint8_t>();
    const auto* classes = label_data.data_ptr<int64_t>();
    for (int64_t i = 0; i < labels.size(0); ++i)
        if (classes[i] < 0 || classes[i] >= static_cast<int64_t>(item_classes.size()))
            throw std::invalid_argument("compose_scenes: item " + std::to_string(i) +
                                        " has class " + std::to_string(classes[i]) + " of " +
                                        std::to_string(item_classes.size()));

    SceneSet out;
    out.images = torch::empty({count, 1, s, s}, torch::kUInt8);
    out.masks = torch::zeros({count, s, s}, torch::kUInt8);
    out.class_names = {"background"};
    if (o.labels == SceneLabels::Semantic)
        out.class_names.insert(out.class_names.end(), item_classes.begin(), item_classes.end());
    else
        out.class_names.insert(out.class_names.end(), {"upper", "middle", "lower"});

    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int64_t> pick(0, items.size(0) - 1), how_many(1, o.max_items),
        top(0, s - h), left(0, s - w);
    for (int64_t n = 0; n < count; ++n) {
        uint8_t* image = out.images.data_ptr<uint8_t>() + n * s * s;
        uint8_t* mask = out.masks.data_ptr<uint8_t>() + n * s * s;
        paint_background(image, s, rng);
        for (int64_t k = how_many(rng); k > 0; --k) {
            const int64_t i = pick(rng), y0 = top(rng), x0 = left(rng);
            const uint8_t* item = pixels + i * h * w;
            const auto [first, last] = inked_rows(item, h, w, o.ink_threshold);
            for (int64_t y = 0; y < h; ++y)
                for (int64_t x = 0; x < w; ++x) {
                    const uint8_t v = item[y * w + x];
                    if (v <= o.ink_threshold) continue;
                    const int64_t at = (y0 + y) * s + x0 + x;
                    image[at] = v;
                    // Parts: thirds of the inked rows, 1 at the top.
                    const int64_t third =
                        std::min<int64_t>(2, 3 * (y - first) / (last - first + 1));
                    mask[at] = static_cast<uint8_t>(
                        o.labels == SceneLabels::Semantic ? 1 + classes[i] : 1 + third);
                }
        }
    }
    return out;
}

}  // namespace tpgm
