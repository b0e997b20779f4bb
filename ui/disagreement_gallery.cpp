// SPDX-License-Identifier: GPL-3.0-or-later
// The disagreement gallery widget (see disagreement_gallery.h).
#include "ui/disagreement_gallery.h"

#include "ui/form_widgets.h"
#include "ui/jobs/background_job.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace tpgm::ui {

namespace {
constexpr int kThumb = 84;  // 3 x the demo's 28 px
constexpr int kDefaultCount = 300;
constexpr int kRoleSample = Qt::UserRole;

QPixmap thumbnail(const cv::Mat& m) {
    if (m.empty()) return {};
    const QImage::Format format =
        m.channels() == 1 ? QImage::Format_Grayscale8 : QImage::Format_BGR888;
    const QImage img = QImage(m.data, m.cols, m.rows, static_cast<int>(m.step), format).copy();
    return QPixmap::fromImage(
        img.scaled(kThumb, kThumb, Qt::KeepAspectRatio, Qt::FastTransformation));
}

QString className(const facade::DemoSamples& s, int label) {
    return label >= 0 && label < static_cast<int>(s.class_names.size())
               ? QString::fromStdString(s.class_names[label])
               : QObject::tr("class %1").arg(label);
}
}  // namespace

DisagreementGallery::DisagreementGallery(QWidget* parent)
    : QWidget(parent), job_(new BackgroundJob(QStringLiteral("tpgm-disagreements"), this)) {
    // Images corrupted plus images predicted per run, of all there are to do.
    connect(job_, &BackgroundJob::progressed, this,
            [this](const QString&, qint64 done, qint64 total) {
                if (total <= 0) return;
                progress_->setMaximum(static_cast<int>(total));
                progress_->setValue(static_cast<int>(done));
            });
    find_ = new QPushButton(tr("Find disagreements"), this);
    find_->setObjectName("findDisagreements");
    find_->setToolTip(
        tr("Predict the first test images under the current corruption with each "
           "chosen run and list the images they disagree on"));
    connect(find_, &QPushButton::clicked, this, [this] { startScan(); });
    cancel_ = new QPushButton(tr("Cancel"), this);
    cancel_->setObjectName("cancelDisagreements");
    connect(cancel_, &QPushButton::clicked, this, &DisagreementGallery::cancelScan);
    count_ = new WheelSafeSpinBox(this);
    count_->setObjectName("disagreementCount");
    count_->setRange(1, 10000);
    count_->setSingleStep(100);
    count_->setValue(kDefaultCount);
    connect(count_, &QSpinBox::valueChanged, this, [this] { updateState(); });
    filter_ = new WheelSafeComboBox(this);
    filter_->setObjectName("disagreementFilter");
    connect(filter_, &QComboBox::currentIndexChanged, this, [this] { populate(); });
    progress_ = new QProgressBar(this);
    progress_->setObjectName("disagreementProgress");
    progress_->setMaximumWidth(220);
    summary_ = new QLabel(this);
    summary_->setObjectName("disagreementSummary");
    stale_ = new QLabel(tr("⚠ Stale: the corruption, a run or the number of images changed since "
                           "this scan. Find disagreements again to update."),
                        this);
    stale_->setObjectName("disagreementStale");
    stale_->setWordWrap(true);

    list_ = new QListWidget(this);
    list_->setObjectName("disagreementList");
    list_->setViewMode(QListView::IconMode);
    list_->setFlow(QListView::LeftToRight);
    list_->setWrapping(false);
    list_->setMovement(QListView::Static);
    list_->setResizeMode(QListView::Adjust);
    list_->setSelectionMode(QAbstractItemView::SingleSelection);
    list_->setIconSize(QSize(kThumb, kThumb));
    list_->setGridSize(QSize(kThumb + 60, kThumb + 2 * fontMetrics().height() + 14));
    list_->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    list_->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    list_->setFixedHeight(list_->gridSize().height() +
                          list_->style()->pixelMetric(QStyle::PM_ScrollBarExtent) + 8);
    connect(list_, &QListWidget::itemClicked, this, &DisagreementGallery::activate);
    connect(list_, &QListWidget::itemActivated, this, &DisagreementGallery::activate);
    connect(list_, &QListWidget::currentItemChanged, this,
            [this](QListWidgetItem* item) { activate(item); });

    auto* controls = new QHBoxLayout;
    controls->addWidget(find_);
    controls->addWidget(new QLabel(tr("first"), this));
    controls->addWidget(count_);
    controls->addWidget(new QLabel(tr("test images"), this));
    controls->addWidget(cancel_);
    controls->addWidget(progress_);
    controls->addStretch(1);
    controls->addWidget(new QLabel(tr("Show:"), this));
    controls->addWidget(filter_);
    summary_->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    auto* status = new QHBoxLayout;
    status->addWidget(summary_, 1);
    status->addWidget(stale_, 1);
    layout->addLayout(status);
    layout->addWidget(list_);

    setResult({});
}

DisagreementGallery::~DisagreementGallery() = default;

void DisagreementGallery::setRequest(const ScanRequest& request) {
    request_ = request;
    updateState();
}

int DisagreementGallery::count() const {
    return count_->value();
}

void DisagreementGallery::setCount(int count) {
    count_->setValue(count);
}

bool DisagreementGallery::startScan() {
    if (job_->isRunning()) return false;
    if (request_.checkpoints.size() < 2) {
        summary_->setText(tr("Choose at least two runs (columns above) to compare."));
        return false;
    }
    ScanRequest request = request_;
    request.count = count_->value();
    job_->run(
        [request](JobContext& job) {
            return run_disagreement_scan(
                request, [&job](int done, int total) { job.report({}, done, total); },
                job.control());
        },
        [this](JobResult<ScanResult> result) { finishScan(std::move(result)); });
    progress_->setRange(0, 0);  // busy until the first report
    summary_->setText(tr("Scanning %1 test images with %2 runs…")
                          .arg(request.count)
                          .arg(request.checkpoints.size()));
    updateState();
    return true;
}

void DisagreementGallery::cancelScan() {
    job_->cancel();
}

bool DisagreementGallery::isScanning() const {
    return job_->isRunning();
}

void DisagreementGallery::finishScan(JobResult<ScanResult> result) {
    const QString error = result.ok() ? result.value->error : result.error;
    if (result.ok() && error.isEmpty()) {
        setResult(std::move(*result.value));
    } else {
        updateState();
        summary_->setText(result.cancelled() ? tr("Scan cancelled; the previous result is kept.")
                                             : tr("Scan failed: %1").arg(error));
    }
    emit scanEnded();
}

void DisagreementGallery::setResult(ScanResult result) {
    result_ = std::move(result);
    QString error;
    try {
        ranked_ = rank_disagreements(result_.predictions, result_.samples.labels);
    } catch (const std::exception& e) {
        ranked_.clear();
        error = QString::fromStdString(e.what());
    }
    const int previous = filter_->currentData().isValid() ? filter_->currentData().toInt() : -1;
    const std::vector<int> counts = count_by_kind(ranked_);
    {
        const QSignalBlocker block(filter_);
        filter_->clear();
        filter_->addItem(tr("all disagreements (%1)").arg(ranked_.size()), -1);
        for (int k = 0; k < kSplitKinds; ++k)
            filter_->addItem(QStringLiteral("%1 (%2)")
                                 .arg(split_title(static_cast<SplitKind>(k), result_.request.names))
                                 .arg(counts[k]),
                             k);
        filter_->setCurrentIndex(std::max(0, filter_->findData(previous)));
    }
    const int n = static_cast<int>(result_.predictions.size());
    if (!error.isEmpty())
        summary_->setText(tr("Cannot rank this scan: %1").arg(error));
    else if (n == 0)
        summary_->setText(
            tr("Which test images do the runs disagree on? Pick a corruption, "
               "then Find disagreements."));
    else
        summary_->setText(tr("<b>%1 of %2</b> disagree · %3 · %4 s")
                              .arg(ranked_.size())
                              .arg(n)
                              .arg(result_.request.corruption.isEmpty()
                                       ? tr("clean")
                                       : tr("%1, severity %2")
                                             .arg(result_.request.corruption)
                                             .arg(result_.request.severity))
                              .arg(result_.seconds, 0, 'f', 1));
    populate();
    updateState();
}

void DisagreementGallery::populate() {
    const QSignalBlocker block(list_);
    list_->clear();
    const int kind = filter_->currentData().isValid() ? filter_->currentData().toInt() : -1;
    const auto shown = filter_disagreements(
        ranked_, kind < 0 ? std::nullopt : std::optional<SplitKind>(static_cast<SplitKind>(kind)));
    const QStringList& names = result_.request.names;
    for (const Disagreement& d : shown) {
        const int label = result_.samples.labels[d.index];
        const cv::Mat& image = d.index < static_cast<int>(result_.corrupted.size())
                                   ? result_.corrupted[d.index]
                                   : result_.samples.images[d.index];
        auto* item = new QListWidgetItem(
            QIcon(thumbnail(image)),
            className(result_.samples, label) + "\n" + split_marks(d.right, names), list_);
        item->setData(kRoleSample, d.index);
        item->setTextAlignment(Qt::AlignHCenter | Qt::AlignTop);
        QStringList tip{tr("Test image %1 · true class <b>%2</b>")
                            .arg(d.index)
                            .arg(className(result_.samples, label))};
        for (int c = static_cast<int>(d.right.size()) - 1; c >= 0; --c)
            tip << QStringLiteral("%1: %2 %3")
                       .arg(c < names.size() ? names[c] : QString::number(c + 1),
                            className(result_.samples, result_.predictions[d.index][c]),
                            QString(d.right[c] ? "✓" : "✗"));
        item->setToolTip(tip.join("<br>"));
    }
}

void DisagreementGallery::updateState() {
    const bool scanning = job_->isRunning();
    find_->setEnabled(!scanning);
    count_->setEnabled(!scanning);
    cancel_->setVisible(scanning);
    progress_->setVisible(scanning);
    stale_->setVisible(!scanning && isStale());
}

bool DisagreementGallery::isStale() const {
    if (result_.predictions.empty()) return false;
    return result_.request.signature() != request_.signature() ||
           result_.request.count != count_->value();
}

void DisagreementGallery::setFilter(int kind) {
    filter_->setCurrentIndex(std::max(0, filter_->findData(kind)));
}

int DisagreementGallery::entryCount() const {
    return list_->count();
}

QString DisagreementGallery::entryCaption(int entry) const {
    return list_->item(entry) ? list_->item(entry)->text() : QString();
}

int DisagreementGallery::entrySample(int entry) const {
    return list_->item(entry) ? list_->item(entry)->data(kRoleSample).toInt() : -1;
}

QString DisagreementGallery::summaryText() const {
    return summary_->text();
}

void DisagreementGallery::activate(QListWidgetItem* item) {
    if (item) emit sampleActivated(item->data(kRoleSample).toInt());
}

}  // namespace tpgm::ui
