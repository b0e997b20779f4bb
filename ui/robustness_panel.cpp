// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/robustness_panel.h"

#include "config/config_schema.h"
#include "facade/run_predictor.h"
#include "robustness/corruptions.h"
#include "runs/run_discovery.h"
#include "ui/disagreement_gallery.h"
#include "ui/form_widgets.h"
#include "ui/image_file.h"
#include "ui/jobs/background_job.h"

#include <opencv2/imgproc.hpp>

#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QStyle>
#include <QTableWidget>
#include <QVBoxLayout>

namespace tpgm::ui {

namespace {
constexpr int kSamples = 200;   // test images offered as samples
constexpr int kViewSize = 168;  // on-screen size of the 28 x 28 images
const char* kMethods[] = {"lp", "ft", "tpgm"};
const char* kTitles[] = {"Pre-trained backbone", "Vanilla fine-tuning", "TPGM"};
const char* kNotes[] = {
    "linear-probe run: the backbone stays exactly pre-trained, only a new head is fit",
    "all weights fine-tuned freely", "fine-tuned within learned per-layer radii"};

QPixmap toPixmap(const cv::Mat& m) {
    if (m.empty()) return {};
    QImage img;
    if (m.channels() == 1)
        img = QImage(m.data, m.cols, m.rows, static_cast<int>(m.step), QImage::Format_Grayscale8)
                  .copy();
    else
        img =
            QImage(m.data, m.cols, m.rows, static_cast<int>(m.step), QImage::Format_BGR888).copy();
    return QPixmap::fromImage(
        img.scaled(kViewSize, kViewSize, Qt::KeepAspectRatio, Qt::FastTransformation));
}
}  // namespace

RobustnessPanel::RobustnessPanel(QWidget* parent)
    : QWidget(parent), samplesJob_(new BackgroundJob(QStringLiteral("tpgm-demo-samples"), this)) {
    setAcceptDrops(true);
    // The tab scrolls in a small window: the wheel scrolls it unless a control has focus.
    sample_ = new WheelSafeSpinBox(this);
    sample_->setObjectName("sampleIndex");
    sample_->setRange(0, 0);
    connect(sample_, &QSpinBox::valueChanged, this, [this] {
        custom_ = cv::Mat();
        refresh();
    });
    auto* open = new QPushButton(tr("Open image…"), this);
    connect(open, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Image"), {}, tr("Images (*.png *.jpg *.jpeg *.bmp *.gif)"));
        if (!path.isEmpty()) openImage(path);
    });
    corruption_ = new WheelSafeComboBox(this);
    corruption_->setObjectName("corruption");
    corruption_->addItem(tr("none (clean)"), QString());
    for (auto c : robustness::all_corruptions()) {
        const QString name = QString::fromStdString(std::string(robustness::corruption_name(c)));
        corruption_->addItem(name, name);
    }
    corruption_->setCurrentIndex(corruption_->findData("fog"));
    connect(corruption_, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
    severity_ = new FocusWheel<QSlider>(this);
    severity_->setOrientation(Qt::Horizontal);
    severity_->setObjectName("severity");
    severity_->setRange(1, 5);
    severity_->setValue(3);
    severity_->setTickPosition(QSlider::TicksBelow);
    severityLabel_ = new QLabel(this);
    connect(severity_, &QSlider::valueChanged, this, [this] { refresh(); });

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Sample:"), this));
    controls->addWidget(sample_);
    controls->addWidget(open);
    controls->addSpacing(16);
    controls->addWidget(new QLabel(tr("Corruption:"), this));
    controls->addWidget(corruption_);
    controls->addWidget(new QLabel(tr("Severity:"), this));
    controls->addWidget(severity_, 1);
    controls->addWidget(severityLabel_);

    clean_ = new QLabel(this);
    corrupted_ = new QLabel(this);
    for (QLabel* l : {clean_, corrupted_}) {
        l->setFixedSize(kViewSize + 4, kViewSize + 4);
        l->setAlignment(Qt::AlignCenter);
        l->setFrameShape(QFrame::StyledPanel);
    }
    auto* images = new QGridLayout;
    images->addWidget(new QLabel(tr("Clean"), this), 0, 0, Qt::AlignHCenter);
    images->addWidget(new QLabel(tr("Corrupted (what the models see)"), this), 0, 1,
                      Qt::AlignHCenter);
    images->addWidget(clean_, 1, 0);
    images->addWidget(corrupted_, 1, 1);
    status_ = new QLabel(tr("Drop an image here, or pick a sample of the demo benchmark."), this);
    status_->setWordWrap(true);
    images->addWidget(status_, 2, 0, 1, 2);
    // A first demo build pre-trains a backbone: say which phase it is in.
    connect(samplesJob_, &BackgroundJob::progressed, this,
            [this](const QString& phase, qint64 done, qint64 total) {
                if (!phase.isEmpty())
                    status_->setText(tr("Loading the demo benchmark: %1 (%2 of %3)…")
                                         .arg(phase)
                                         .arg(done)
                                         .arg(total));
            });

    auto* columns = new QHBoxLayout;
    for (int i = 0; i < kColumns; ++i) {
        auto* box = new QGroupBox(tr(kTitles[i]), this);
        auto* v = new QVBoxLayout(box);
        folders_[i] = new QLineEdit(box);
        folders_[i]->setObjectName(QString("runFolder:%1").arg(kMethods[i]));
        folders_[i]->setPlaceholderText(tr("run folder (method %1)").arg(kMethods[i]));
        QAction* browse = folders_[i]->addAction(style()->standardIcon(QStyle::SP_DirOpenIcon),
                                                 QLineEdit::TrailingPosition);
        connect(browse, &QAction::triggered, this, [this, i] {
            const QString dir =
                QFileDialog::getExistingDirectory(this, tr("Run folder"), folders_[i]->text());
            if (!dir.isEmpty()) setRunFolder(i, dir);
        });
        connect(folders_[i], &QLineEdit::editingFinished, this, [this] { refresh(); });
        notes_[i] = new QLabel(tr(kNotes[i]), box);
        notes_[i]->setWordWrap(true);
        notes_[i]->setStyleSheet("font-size: small;");
        tables_[i] = new QTableWidget(5, 2, box);
        tables_[i]->setObjectName(QString("predictions:%1").arg(kMethods[i]));
        tables_[i]->setHorizontalHeaderLabels({tr("class"), tr("p")});
        tables_[i]->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
        tables_[i]->verticalHeader()->setVisible(false);
        tables_[i]->setEditTriggers(QAbstractItemView::NoEditTriggers);
        tables_[i]->setRowCount(0);
        v->addWidget(folders_[i]);
        v->addWidget(notes_[i]);
        v->addWidget(tables_[i], 1);
        columns->addWidget(box, 1);
    }
    auto* latest = new QPushButton(tr("Latest runs"), this);
    latest->setToolTip(tr("Use the newest finished run of each method under the runs folder"));
    connect(latest, &QPushButton::clicked, this, &RobustnessPanel::chooseLatestRuns);
    controls->addWidget(latest);

    auto* imageColumn = new QVBoxLayout;
    imageColumn->addLayout(images);
    imageColumn->addStretch(1);
    auto* top = new QHBoxLayout;
    top->addLayout(imageColumn);
    top->addLayout(columns, 1);
    gallery_ = new DisagreementGallery(this);
    connect(gallery_, &DisagreementGallery::sampleActivated, this, &RobustnessPanel::showSample);
    auto* galleryBox = new QGroupBox(tr("Where the runs disagree"), this);
    auto* galleryLayout = new QVBoxLayout(galleryBox);
    galleryLayout->addWidget(gallery_);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addLayout(top, 1);
    layout->addWidget(galleryBox);
    gallery_->setRequest(scanRequest());
}

RobustnessPanel::~RobustnessPanel() = default;

void RobustnessPanel::setDemoConfig(const DemoConfig& demo) {
    RunConfig c;
    c.demo = demo;
    const QString key = QString::fromStdString(to_yaml(c));
    if (key == demoKey_) return;
    demoKey_ = key;
    demo_ = demo;
    samples_ = {};
    if (isVisible()) loadSamples();
}

void RobustnessPanel::setRunsRoot(const QString& root) {
    runsRoot_ = root;
}

void RobustnessPanel::chooseLatestRuns() {
    // Say what was found, and what was not: a silent button looked broken.
    QStringList found, missing;
    for (int i = 0; i < kColumns; ++i) {
        if (auto dir = newest_finished_run(runsRoot_.toStdString(), kMethods[i])) {
            folders_[i]->setText(QString::fromStdString(*dir));
            found << QStringLiteral("%1: %2").arg(
                kMethods[i], QFileInfo(QString::fromStdString(*dir)).fileName());
        } else {
            missing << kMethods[i];
        }
    }
    refresh();
    QString text = found.isEmpty()
                       ? tr("No finished run under %1 yet.").arg(runsRoot_)
                       : tr("Latest runs under %1: %2.").arg(runsRoot_, found.join(", "));
    if (!missing.isEmpty())
        text += " " + tr("None for %1: train one with that Method, or pick its folder.")
                          .arg(missing.join(", "));
    status_->setText(text);
}

void RobustnessPanel::setRunFolder(int column, const QString& dir) {
    folders_[column]->setText(dir);
    refresh();
}

QString RobustnessPanel::runFolder(int column) const {
    return folders_[column]->text();
}

void RobustnessPanel::loadSamples() {
    if (samplesJob_->isRunning() || samplesLoaded()) return;
    status_->setText(tr("Loading the demo benchmark (built once, about 30 s the first time)…"));
    samplesJob_->run(
        [demo = demo_](JobContext& job) {
            facade::DemoSamples samples =
                facade::load_demo_samples(demo, kSamples, job.progressFn());
            job.checkStop();  // a cached benchmark loads without a report: cancelled all the same
            return samples;
        },
        [this](JobResult<facade::DemoSamples> result) {
            if (result.cancelled()) {
                status_->setText(tr("Loading the demo samples was cancelled."));
                return;
            }
            if (!result.ok()) {
                status_->setText(tr("Could not load the demo samples: %1").arg(result.error));
                return;
            }
            // The gallery's scan may have brought more of the same samples already.
            if (result.value->images.size() > samples_.images.size())
                samples_ = std::move(*result.value);
            sample_->setRange(0, std::max(0, static_cast<int>(samples_.images.size()) - 1));
            refresh();
            emit samplesReady();
        });
}

void RobustnessPanel::cancelLoading() {
    samplesJob_->cancel();
}

bool RobustnessPanel::loadingSamples() const {
    return samplesJob_->isRunning();
}

bool RobustnessPanel::openImage(const QString& path) {
    const cv::Mat m = readImageFile(path, QImage::Format_Grayscale8);
    if (m.empty()) {
        status_->setText(tr("Could not read %1 as an image").arg(path));
        return false;
    }
    const int size = samples_.images.empty() ? 28 : samples_.images.front().cols;
    cv::resize(m, custom_, cv::Size(size, size), 0, 0, cv::INTER_AREA);
    status_->setText(tr("Image %1").arg(QFileInfo(path).fileName()));
    refresh();
    return true;
}

void RobustnessPanel::setCorruption(const QString& name, int severity) {
    const int i = corruption_->findData(name);
    corruption_->setCurrentIndex(i < 0 ? 0 : i);
    severity_->setValue(severity);
    refresh();
}

void RobustnessPanel::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    loadSamples();
    bool empty = true;
    for (auto* f : folders_) empty = empty && f->text().isEmpty();
    if (empty) chooseLatestRuns();
}

void RobustnessPanel::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void RobustnessPanel::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && openImage(urls.first().toLocalFile())) event->acceptProposedAction();
}

void RobustnessPanel::refresh() {
    severityLabel_->setText(QString::number(severity_->value()));
    gallery_->setRequest(scanRequest());
    cv::Mat image;
    int label = -1;
    if (!custom_.empty()) {
        image = custom_;
    } else if (!samples_.images.empty()) {
        const int i = std::clamp(sample_->value(), 0, static_cast<int>(samples_.images.size()) - 1);
        image = samples_.images[i];
        label = samples_.labels[i];
        status_->setText(tr("Test image %1 · true class: <b>%2</b>")
                             .arg(i)
                             .arg(QString::fromStdString(samples_.class_names[label])));
    }
    if (image.empty()) return;
    cv::Mat corrupted = image;
    const QString name = corruption_->currentData().toString();
    if (auto c = robustness::corruption_from_name(name.toStdString())) {
        try {
            corrupted = robustness::corrupt(image, *c, severity_->value(),
                                            static_cast<std::uint64_t>(sample_->value()));
        } catch (const std::exception& e) {
            status_->setText(tr("Corruption failed: %1").arg(e.what()));
        }
    }
    severity_->setEnabled(!name.isEmpty());
    clean_->setPixmap(toPixmap(image));
    corrupted_->setPixmap(toPixmap(corrupted));
    for (int i = 0; i < kColumns; ++i) predict(i, corrupted);
    // Mark the true class in every column.
    if (label >= 0)
        for (auto* t : tables_)
            for (int r = 0; r < t->rowCount(); ++r)
                if (t->item(r, 0) && t->item(r, 0)->data(Qt::UserRole).toInt() == label)
                    t->item(r, 0)->setText("✔ " + t->item(r, 0)->text());
}

void RobustnessPanel::predict(int column, const cv::Mat& image) {
    QTableWidget* table = tables_[column];
    table->setRowCount(0);
    const QString dir = folders_[column]->text().trimmed();
    if (dir.isEmpty()) {
        notes_[column]->setText(tr(kNotes[column]) +
                                tr("<br><i>No run chosen: train a %1 run or pick its folder.</i>")
                                    .arg(kMethods[column]));
        return;
    }
    const QString ckpt =
        QString::fromStdString(find_best_checkpoint(dir.toStdString()).value_or(""));
    const QString stamp = ckpt + "@" + QFileInfo(ckpt).lastModified().toString(Qt::ISODateWithMs);
    if (ckpt.isEmpty()) {
        models_[column].reset();
        loaded_[column].clear();
        notes_[column]->setText(tr("<i>%1 holds no checkpoint yet.</i>").arg(dir));
        return;
    }
    if (stamp != loaded_[column]) {
        try {
            models_[column] = std::make_shared<facade::RunPredictor>(ckpt.toStdString());
            loaded_[column] = stamp;
            notes_[column]->setText(tr(kNotes[column]) + "<br><small>" + QFileInfo(dir).fileName() +
                                    "</small>");
        } catch (const std::exception& e) {
            models_[column].reset();
            notes_[column]->setText(tr("<i>Cannot load %1: %2</i>").arg(ckpt, e.what()));
            return;
        }
    }
    if (!models_[column] || samples_.class_names.empty()) return;
    const auto preds = models_[column]->top_k(image, image.cols, samples_.mean, samples_.std,
                                              samples_.class_names, 5);
    table->setRowCount(static_cast<int>(preds.size()));
    for (int r = 0; r < static_cast<int>(preds.size()); ++r) {
        auto* name = new QTableWidgetItem(QString::fromStdString(preds[r].name));
        name->setData(Qt::UserRole, preds[r].label);
        auto* p = new QTableWidgetItem(QString::number(100 * preds[r].probability, 'f', 1) + " %");
        p->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        if (r == 0) {
            QFont bold = name->font();
            bold.setBold(true);
            name->setFont(bold);
            p->setFont(bold);
        }
        table->setItem(r, 0, name);
        table->setItem(r, 1, p);
    }
}

int RobustnessPanel::predictionCount(int column) const {
    return tables_[column]->rowCount();
}

QString RobustnessPanel::topPrediction(int column) const {
    auto* item = tables_[column]->item(0, 0);
    return item ? item->text() : QString();
}

}  // namespace tpgm::ui
