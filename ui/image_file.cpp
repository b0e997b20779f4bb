// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/image_file.h"

namespace tpgm::ui {

cv::Mat readImageFile(const QString& path, QImage::Format format) {
    Q_ASSERT(format == QImage::Format_Grayscale8 || format == QImage::Format_BGR888);
    QImage image;
    if (!image.load(path)) return {};
    image = image.convertToFormat(format);
    const int type = format == QImage::Format_Grayscale8 ? CV_8UC1 : CV_8UC3;
    return cv::Mat(image.height(), image.width(), type, image.bits(),
                   static_cast<size_t>(image.bytesPerLine()))
        .clone();  // the QImage's pixels go with it
}

}  // namespace tpgm::ui
