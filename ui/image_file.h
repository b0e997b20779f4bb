// SPDX-License-Identifier: GPL-3.0-or-later
// Image files the user opens or drops on a panel, read into OpenCV matrices.
#pragma once

#include <QImage>
#include <QString>

#include <opencv2/core.hpp>

namespace tpgm::ui {

// `path` through Qt's image readers (the formats the panels' Open dialogs offer) as an 8-bit
// matrix that owns its pixels: CV_8UC1 for QImage::Format_Grayscale8, CV_8UC3 in BGR order for
// QImage::Format_BGR888. Empty when the file cannot be read as an image.
cv::Mat readImageFile(const QString& path, QImage::Format format);

}  // namespace tpgm::ui
