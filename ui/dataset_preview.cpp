// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/dataset_preview.h"

#include "facade/data_preview.h"
#include "ui/form_widgets.h"
#include "ui/jobs/background_job.h"

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
#include <QVBoxLayout>

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

DatasetPreview::DatasetPreview(QWidget* parent)
    : QWidget(parent), job_(new BackgroundJob(QStringLiteral("tpgm-data-preview"), this)) {
    setObjectName("datasetPreview");
    reload_ = new QPushButton(tr("Load from setup"), this);
    reload_->setObjectName("previewReload");
    reload_->setToolTip(tr("Load the sets the Run setup panel describes"));
    connect(reload_, &QPushButton::clicked, this, &DatasetPreview::reloadRequested);
    cancel_ = new QPushButton(tr("Cancel"), this);
    cancel_->setObjectName("previewCancel");
    cancel_->hide();
    connect(cancel_, &QPushButton::clicked, this, &DatasetPreview::cancel);
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
    bar->addWidget(cancel_);
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

    connect(job_, &BackgroundJob::progressed, this,
            [this](const QString& phase, qint64 done, qint64 total) {
                if (phase.isEmpty()) return;
                status_->setText(tr("Loading: %1…").arg(phase));
                if (total > 0) {
                    progress_->setRange(0, 1000);
                    progress_->setValue(static_cast<int>(1000 * done / total));
                } else {
                    progress_->setRange(0, 0);
                }
            });
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

void DatasetPreview::load(const RunConfig& config) {
    loading_ = true;
    clearSets();
    status_->setStyleSheet(QString());
    status_->setText(tr("Loading the sets of data=%1…").arg(QString::fromStdString(config.data)));
    progress_->setRange(0, 0);  // busy until the loader reports
    progress_->show();
    cancel_->show();
    if (job_->isRunning()) {  // one load at a time: this one starts when that one has ended
        next_ = config;
        job_->cancel();
        return;
    }
    startLoad(config);
}

void DatasetPreview::cancel() {
    next_.reset();
    job_->cancel();
}

void DatasetPreview::startLoad(const RunConfig& config) {
    const int perSet = perSet_->value();
    job_->run(
        [config, perSet](JobContext& job) {
            facade::DataPreview p = facade::load_data_preview(config, perSet, job.progressFn());
            job.checkStop();  // the loader turns a stop into an error of its own
            return p;
        },
        [this](JobResult<facade::DataPreview> result) { finishLoad(std::move(result)); });
}

void DatasetPreview::finishLoad(JobResult<facade::DataPreview> result) {
    if (next_) {  // asked again meanwhile: that load replaces this one
        const RunConfig config = std::move(*next_);
        next_.reset();
        startLoad(config);
        return;
    }
    loading_ = false;
    progress_->hide();
    cancel_->hide();
    if (result.cancelled()) {
        status_->setText(tr("Loading cancelled."));
        emit loaded(false);
        return;
    }
    facade::DataPreview failed;
    failed.error = result.error.toStdString();
    showPreview(result.ok() ? *result.value : failed);
}

void DatasetPreview::showPreview(const facade::DataPreview& p) {
    if (!p.ok()) {
        status_->setText(tr("Could not load the data: %1").arg(QString::fromStdString(p.error)));
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
        shown.title = tr("%1 — %2, %3, %4 images")
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
            grid->addWidget(cell, static_cast<int>(i) / kColumns, static_cast<int>(i) % kColumns);
        }
        grid->setColumnStretch(kColumns, 1);
        if (set.images.empty()) grid->addWidget(new QLabel(tr("(no images)"), box), 0, 0);
        setsLayout_->insertWidget(setsLayout_->count() - 1, box);
        sets_.push_back(std::move(shown));
    }
    emit loaded(true);
}

}  // namespace tpgm::ui
