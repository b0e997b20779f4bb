// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/dataset_preview.h"

#include "facade/data_preview.h"
#include "ui/form_widgets.h"

#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QLocale>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

#include <mutex>

namespace tpgm::ui {

namespace {
constexpr int kThumb = 96;  // thumbnail edge in pixels
constexpr int kColumns = 8;

QImage to_qimage(const cv::Mat& m) {
    if (m.empty()) return {};
    cv::Mat c = m.isContinuous() ? m : m.clone();
    if (c.channels() == 1)
        return QImage(c.data, c.cols, c.rows, static_cast<int>(c.step), QImage::Format_Grayscale8)
            .copy();
    if (c.channels() == 3)  // the engine's images are RGB
        return QImage(c.data, c.cols, c.rows, static_cast<int>(c.step), QImage::Format_RGB888)
            .copy();
    return {};
}
}  // namespace

// The loader's latest progress, written by the worker thread and read by a UI timer.
struct DatasetPreview::Progress {
    std::mutex mutex;
    std::string phase;
    int64_t done = 0, total = 0;
};

DatasetPreview::DatasetPreview(QWidget* parent) : QWidget(parent) {
    setObjectName("datasetPreview");
    reload_ = new QPushButton(tr("Load from setup"), this);
    reload_->setObjectName("previewReload");
    reload_->setToolTip(tr("Load the sets the Run setup panel describes"));
    connect(reload_, &QPushButton::clicked, this, &DatasetPreview::reloadRequested);
    perSet_ = new WheelSafeSpinBox(this);
    perSet_->setRange(1, 64);
    perSet_->setValue(16);
    perSet_->setToolTip(tr("Sample images per set (classes in turn)"));
    status_ = new QLabel(tr("Press “Load from setup” (or Preview… in Run setup) to see the sets "
                            "a config loads."),
                         this);
    status_->setObjectName("previewStatus");
    status_->setWordWrap(true);
    progress_ = new QProgressBar(this);
    progress_->setMaximumWidth(220);
    progress_->hide();

    auto* bar = new QHBoxLayout;
    bar->addWidget(reload_);
    bar->addWidget(new QLabel(tr("Images per set"), this));
    bar->addWidget(perSet_);
    bar->addWidget(progress_);
    bar->addWidget(status_, 1);

    content_ = new QWidget;
    setsLayout_ = new QVBoxLayout(content_);
    setsLayout_->addStretch(1);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setWidget(content_);
    scroll->setFrameShape(QFrame::NoFrame);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(scroll, 1);

    poll_.setInterval(100);
    connect(&poll_, &QTimer::timeout, this, &DatasetPreview::pollProgress);
}

QString DatasetPreview::setTitle(int set) const {
    return set >= 0 && set < setCount() ? sets_[set].title : QString();
}

int DatasetPreview::imageCount(int set) const {
    return set >= 0 && set < setCount() ? sets_[set].images : 0;
}

QStringList DatasetPreview::imageLabels(int set) const {
    return set >= 0 && set < setCount() ? sets_[set].labels : QStringList();
}

QString DatasetPreview::statusText() const {
    return status_->text();
}

void DatasetPreview::clearSets() {
    sets_.clear();
    while (setsLayout_->count() > 1) {  // keep the trailing stretch
        QLayoutItem* item = setsLayout_->takeAt(0);
        delete item->widget();
        delete item;
    }
}

void DatasetPreview::pollProgress() {
    if (!progressState_) return;
    std::lock_guard<std::mutex> lock(progressState_->mutex);
    if (progressState_->phase.empty()) return;
    status_->setText(tr("Loading: %1…").arg(QString::fromStdString(progressState_->phase)));
    if (progressState_->total > 0) {
        progress_->setRange(0, 1000);
        progress_->setValue(static_cast<int>(1000 * progressState_->done / progressState_->total));
    } else {
        progress_->setRange(0, 0);
    }
}

void DatasetPreview::load(const RunConfig& config) {
    const int generation = ++generation_;
    loading_ = true;
    clearSets();
    status_->setText(tr("Loading the sets of data=%1…").arg(QString::fromStdString(config.data)));
    progress_->setRange(0, 0);  // busy until the loader reports
    progress_->show();
    auto state = std::make_shared<Progress>();
    progressState_ = state;
    poll_.start();
    const int perSet = perSet_->value();
    auto result = std::make_shared<facade::DataPreview>();
    QThread* thread = QThread::create([config, perSet, result, state] {
        *result = facade::load_data_preview(
            config, perSet, [state](const std::string& phase, int64_t done, int64_t total) {
                std::lock_guard<std::mutex> lock(state->mutex);
                state->phase = phase;
                state->done = done;
                state->total = total;
            });
    });
    connect(thread, &QThread::finished, thread, &QObject::deleteLater);
    connect(thread, &QThread::finished, this, [this, generation, result] {
        if (generation != generation_) return;  // a newer load is under way
        loading_ = false;
        poll_.stop();
        progress_->hide();
        const facade::DataPreview& p = *result;
        if (!p.ok()) {
            status_->setText(
                tr("Could not load the data: %1").arg(QString::fromStdString(p.error)));
            status_->setStyleSheet("color: #e0443e;");
            emit loaded(false);
            return;
        }
        status_->setStyleSheet(QString());
        const QLocale locale;
        QString text = tr("%n set(s), %1 classes", nullptr, static_cast<int>(p.sets.size()))
                           .arg(p.class_names.size());
        if (!p.warnings.empty())
            text += " — " + tr("%n warning(s): ", nullptr, static_cast<int>(p.warnings.size())) +
                    QString::fromStdString(p.warnings.front());
        status_->setText(text);
        for (const auto& set : p.sets) {
            Shown shown;
            shown.title =
                tr("%1 — %2, %3, %4 images")
                    .arg(QString::fromStdString(set.role), QString::fromStdString(set.name),
                         QString::fromStdString(set.kind), locale.toString(set.size));
            shown.images = static_cast<int>(set.images.size());
            auto* box = new QGroupBox(shown.title, content_);
            box->setObjectName("previewSet:" + QString::fromStdString(set.name));
            auto* grid = new QGridLayout(box);
            grid->setSpacing(6);
            for (std::size_t i = 0; i < set.images.size(); ++i) {
                const QString label = QString::fromStdString(set.label_names[i]);
                shown.labels << label;
                auto* cell = new QWidget(box);
                auto* v = new QVBoxLayout(cell);
                v->setContentsMargins(0, 0, 0, 0);
                v->setSpacing(1);
                auto* image = new QLabel(cell);
                const QImage img = to_qimage(set.images[i]);
                // Tiny images are enlarged without smoothing, large ones scaled down smoothly.
                const auto mode =
                    img.width() < kThumb ? Qt::FastTransformation : Qt::SmoothTransformation;
                image->setPixmap(
                    QPixmap::fromImage(img.scaled(kThumb, kThumb, Qt::KeepAspectRatio, mode)));
                image->setFixedSize(kThumb, kThumb);
                image->setAlignment(Qt::AlignCenter);
                image->setToolTip(tr("%1 (label %2), %3×%4 px")
                                      .arg(label)
                                      .arg(set.labels[i])
                                      .arg(img.width())
                                      .arg(img.height()));
                auto* caption = new QLabel(label, cell);
                caption->setAlignment(Qt::AlignHCenter);
                caption->setMaximumWidth(kThumb);
                caption->setText(caption->fontMetrics().elidedText(label, Qt::ElideRight, kThumb));
                v->addWidget(image);
                v->addWidget(caption);
                grid->addWidget(cell, static_cast<int>(i) / kColumns,
                                static_cast<int>(i) % kColumns);
            }
            grid->setColumnStretch(kColumns, 1);
            if (set.images.empty()) grid->addWidget(new QLabel(tr("(no images)"), box), 0, 0);
            setsLayout_->insertWidget(setsLayout_->count() - 1, box);
            sets_.push_back(std::move(shown));
        }
        emit loaded(true);
    });
    thread->start();
}

}  // namespace tpgm::ui
