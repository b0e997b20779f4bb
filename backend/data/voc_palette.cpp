// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/voc_palette.h"

namespace tpgm {

const std::array<cv::Vec3b, 256>& voc_palette() {
    // Label i's colour from i's bits, three at a time, most significant colour bit first: what
    // VOC's palette PNGs store.
    static const std::array<cv::Vec3b, 256> palette = [] {
        std::array<cv::Vec3b, 256> p{};
        for (int i = 0; i < 256; ++i) {
            int r = 0, g = 0, b = 0, c = i;
            for (int j = 0; j < 8; ++j) {
                r |= ((c >> 0) & 1) << (7 - j);
                g |= ((c >> 1) & 1) << (7 - j);
                b |= ((c >> 2) & 1) << (7 - j);
                c >>= 3;
            }
            p[i] = cv::Vec3b(r, g, b);
        }
        return p;
    }();
    return palette;
}

}  // namespace tpgm
