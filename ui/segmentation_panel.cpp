// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/segmentation_panel.h"

#include "facade/demo_scenes.h"
#include "facade/run_segmenter.h"
#include "robustness/corruptions.h"
#include "runs/run_discovery.h"
#include "ui/background_segmenter.h"
#include "ui/form_widgets.h"
#include "ui/image_file.h"
#include "ui/segmentation_overlay.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPixmap>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QStyle>
#include <QVBoxLayout>

#include <algorithm>
#include <map>

namespace tpgm::ui {

namespace {
constexpr int kScenes = 32;        // scenes offered
constexpr int kLegendColumns = 4;  // legend entries per row
constexpr int kSwatch = 12;        // legend colour square, pixels
constexpr int kViewSize = 200;     // smallest on-screen side of each view
constexpr int kIgnore = 255;       // unscored pixels of a mask
const char* kMethods[] = {"lp", "ft", "tpgm"};
const char* kTitles[] = {"Linear probe", "Vanilla fine-tuning", "TPGM"};

QImage toImage(const cv::Mat& m) {
    if (m.empty()) return {};
    const auto format = m.channels() == 1 ? QImage::Format_Grayscale8 : QImage::Format_BGR888;
    return QImage(m.data, m.cols, m.rows, static_cast<int>(m.step), format).copy();
}

// Share of the scored pixels of `truth` that `predicted` gets right; -1 when none is scored.
double pixelAccuracy(const cv::Mat& predicted, const cv::Mat& truth) {
    if (truth.empty() || predicted.size() != truth.size()) return -1;
    int64_t scored = 0, right = 0;
    for (int y = 0; y < truth.rows; ++y)
        for (int x = 0; x < truth.cols; ++x) {
            const int t = truth.at<uchar>(y, x);
            if (t == kIgnore) continue;
            ++scored;
            right += predicted.at<uchar>(y, x) == t;
        }
    return scored ? static_cast<double>(right) / scored : -1;
}
}  // namespace

// What the tab shows: its scenes, the image the runs see, and the runs' models.
struct SegmentationPanel::State {
    facade::DemoScenes scenes;
    bool parts = false;
    QString scenesFrom;  // the run whose test scenes these are; empty: the demo's
    cv::Mat custom;      // an opened image, shown instead of the scene
    cv::Mat input;       // what the runs see: the scene or image, corrupted or not
    std::array<std::shared_ptr<const facade::RunSegmenter>, kColumns> segmenters;
    std::map<QString, size_t> evaluations;  // per shown run folder, when last loaded
    std::vector<bool> visible;              // per label, from the legend
};

SegmentationPanel::SegmentationPanel(QWidget* parent)
    : QWidget(parent), state_(std::make_unique<State>()) {
    setAcceptDrops(true);
    labels_ = new WheelSafeComboBox;
    labels_->addItems({tr("Semantic (item class)"), tr("Parts (upper / middle / lower)")});
    labels_->setToolTip(tr("Labels of the demo scenes (a run's scenes carry the run's labels)"));
    scene_ = new WheelSafeSpinBox;
    scene_->setRange(1, kScenes);
    opacity_ = new FocusWheel<QSlider>;
    opacity_->setOrientation(Qt::Horizontal);
    opacity_->setRange(0, 100);
    opacity_->setValue(60);
    opacity_->setObjectName("segmentationOpacity");
    corruption_ = new WheelSafeComboBox;
    corruption_->setObjectName("segmentationCorruption");
    corruption_->addItem(tr("none (clean)"), QString());
    for (auto c : robustness::all_corruptions()) {
        const QString name = QString::fromStdString(std::string(robustness::corruption_name(c)));
        corruption_->addItem(name, name);
    }
    severity_ = new WheelSafeSpinBox;
    severity_->setRange(1, 5);
    severity_->setValue(3);
    auto* open = new QPushButton(tr("Open image…"));
    auto* latest = new QPushButton(tr("Latest runs"));
    latest->setToolTip(
        tr("The newest finished segmentation run of each method under the runs "
           "folder"));

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Labels")));
    controls->addWidget(labels_);
    controls->addWidget(new QLabel(tr("Scene")));
    controls->addWidget(scene_);
    controls->addWidget(open);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("Corruption")));
    controls->addWidget(corruption_);
    controls->addWidget(new QLabel(tr("Severity")));
    controls->addWidget(severity_);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("Opacity")));
    controls->addWidget(opacity_, 1);
    controls->addWidget(latest);

    auto* views = new QGridLayout;
    const auto addView = [&](int column, QWidget* header, SegmentationOverlay* view,
                             QWidget* note) {
        view->setMinimumSize(kViewSize, kViewSize);
        views->addWidget(header, 0, column);
        views->addWidget(view, 1, column);
        if (note) views->addWidget(note, 2, column);
        views->setColumnStretch(column, 1);
    };
    truth_ = new SegmentationOverlay;
    input_ = new SegmentationOverlay;
    inputCaption_ = new QLabel(tr("<b>Input</b> (clean)"));
    addView(0, new QLabel(tr("<b>Ground truth</b>")), truth_, nullptr);
    addView(1, inputCaption_, input_, nullptr);
    for (int i = 0; i < kColumns; ++i) {
        folders_[i] = new QLineEdit;
        folders_[i]->setObjectName(QString("segmentationRun:%1").arg(kMethods[i]));
        folders_[i]->setPlaceholderText(tr("%1 run folder").arg(tr(kTitles[i])));
        QAction* browse = folders_[i]->addAction(style()->standardIcon(QStyle::SP_DirOpenIcon),
                                                 QLineEdit::TrailingPosition);
        connect(browse, &QAction::triggered, this, [this, i] {
            const QString dir =
                QFileDialog::getExistingDirectory(this, tr("Run folder"), folders_[i]->text());
            if (!dir.isEmpty()) setRunFolder(i, dir);
        });
        connect(folders_[i], &QLineEdit::editingFinished, this,
                [this, i] { setRunFolder(i, folders_[i]->text()); });
        notes_[i] = new QLabel;
        notes_[i]->setWordWrap(true);
        predictions_[i] = new SegmentationOverlay;
        background_[i] = new BackgroundSegmenter(this);
        connect(background_[i], &BackgroundSegmenter::predicted, this,
                [this, i](const cv::Mat& image, const cv::Mat& labels, const QString& error) {
                    showPrediction(i, image, labels, error);
                });
        addView(2 + i, folders_[i], predictions_[i], notes_[i]);
    }
    legend_ = new QGridLayout;
    status_ = new QLabel;
    status_->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addLayout(views, 1);
    layout->addLayout(legend_);
    layout->addWidget(status_);

    connect(labels_, &QComboBox::currentIndexChanged, this, [this](int i) { setParts(i == 1); });
    connect(scene_, &QSpinBox::valueChanged, this, [this](int v) { showScene(v - 1); });
    connect(corruption_, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
    connect(severity_, &QSpinBox::valueChanged, this, [this] { refresh(); });
    connect(open, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Image"), {}, tr("Images (*.png *.jpg *.jpeg *.bmp *.gif)"));
        if (!path.isEmpty()) openImage(path);
    });
    connect(latest, &QPushButton::clicked, this, &SegmentationPanel::chooseLatestRuns);
    connect(opacity_, &QSlider::valueChanged, this, [this](int v) {
        truth_->setOpacity(v / 100.0);
        for (auto* p : predictions_) p->setOpacity(v / 100.0);
    });
    truth_->setOpacity(opacity_->value() / 100.0);
    for (auto* p : predictions_) p->setOpacity(opacity_->value() / 100.0);
}

SegmentationPanel::~SegmentationPanel() = default;

void SegmentationPanel::setDemoConfig(const DemoConfig& demo) {
    if (demo.fashion_mnist_dir == fashionMnistDir_) return;
    fashionMnistDir_ = demo.fashion_mnist_dir;
    if (!state_->scenesFrom.isEmpty()) return;  // a run's scenes stay
    state_->scenes = {};
    if (isVisible()) loadScenes();
}

void SegmentationPanel::setRunsRoot(const QString& root) {
    runsRoot_ = root;
}

QString SegmentationPanel::status() const {
    return status_->text();
}

bool SegmentationPanel::scenesLoaded() const {
    return !state_->scenes.images.empty();
}

bool SegmentationPanel::loadScenes() {
    QString from;
    for (int i = 0; i < kColumns && from.isEmpty(); ++i)
        if (state_->segmenters[i]) from = folders_[i]->text();
    const bool parts = labels_->currentIndex() == 1;
    try {
        state_->scenes = from.isEmpty() ? facade::load_demo_scenes(fashionMnistDir_, kScenes, parts)
                                        : facade::load_run_test_scenes(from.toStdString(), kScenes);
        state_->parts = parts;
        state_->scenesFrom = from;
    } catch (const std::exception& e) {
        state_->scenes = {};
        truth_->setImage({}, {});
        status_->setText(tr("The scenes could not be made: %1").arg(e.what()));
        return false;
    }
    labels_->setEnabled(from.isEmpty());
    scene_->setRange(1, std::max<int>(1, static_cast<int>(state_->scenes.images.size())));
    status_->setText(from.isEmpty()
                         ? tr("Scenes of the segmentation demo: Fashion-MNIST items on textured "
                              "backgrounds, a label per pixel. Pick segmentation runs to see "
                              "their predictions, or drop an image here.")
                         : tr("Test scenes of %1, as its evaluation sees them.")
                               .arg(QFileInfo(from).fileName()));
    rebuildLegend();
    showScene(scene_->value() - 1);
    return true;
}

void SegmentationPanel::setParts(bool parts) {
    if (labels_->currentIndex() != (parts ? 1 : 0)) {
        labels_->setCurrentIndex(parts ? 1 : 0);  // comes back here through the signal
        return;
    }
    if (scenesLoaded() && state_->scenesFrom.isEmpty() && state_->parts != parts) loadScenes();
}

void SegmentationPanel::showScene(int index) {
    if (!scenesLoaded() || index < 0 || index >= static_cast<int>(state_->scenes.images.size()))
        return;
    if (scene_->value() != index + 1) scene_->setValue(index + 1);  // comes back here
    state_->custom = cv::Mat();
    refresh();
}

void SegmentationPanel::setCorruption(const QString& name, int severity) {
    const QSignalBlocker block(corruption_), blockSeverity(severity_);
    const int i = corruption_->findData(name);
    corruption_->setCurrentIndex(i < 0 ? 0 : i);
    severity_->setValue(severity);
    refresh();
}

bool SegmentationPanel::openImage(const QString& path) {
    cv::Mat image = readImageFile(path, QImage::Format_BGR888);
    if (image.empty()) {
        status_->setText(tr("Could not read %1 as an image").arg(path));
        return false;
    }
    state_->custom = std::move(image);
    status_->setText(tr("Image %1 (no ground truth)").arg(QFileInfo(path).fileName()));
    refresh();
    return true;
}

void SegmentationPanel::setOpacityPercent(int percent) {
    opacity_->setValue(percent);
}

bool SegmentationPanel::setRunFolder(int column, const QString& dir) {
    auto& segmenter = state_->segmenters.at(column);
    folders_[column]->setText(dir);
    segmenter.reset();
    background_[column]->request(nullptr, {});  // what the old run still predicts is dropped
    predictions_[column]->setImage({}, {});
    notes_[column]->clear();
    bool ok = true;
    if (!dir.isEmpty()) {
        try {
            segmenter = std::make_shared<const facade::RunSegmenter>(dir.toStdString());
            notes_[column]->setText(tr("%1 · %2").arg(
                QFileInfo(dir).fileName(),
                QFileInfo(QString::fromStdString(segmenter->checkpoint())).fileName()));
        } catch (const std::exception& e) {
            notes_[column]->setText(e.what());
            status_->setText(tr("Cannot show %1: %2").arg(dir, e.what()));
            ok = false;
        }
    }
    // The first shown run's test scenes replace the demo's (or another run's) scenes.
    QString first;
    for (int i = 0; i < kColumns && first.isEmpty(); ++i)
        if (state_->segmenters[i]) first = folders_[i]->text();
    if (first != state_->scenesFrom && (isVisible() || scenesLoaded()))
        loadScenes();
    else
        refresh();
    return ok;
}

void SegmentationPanel::chooseLatestRuns() {
    QStringList found, missing;
    for (int i = 0; i < kColumns; ++i) {
        if (auto dir = newest_finished_run(runsRoot_.toStdString(), kMethods[i], true)) {
            setRunFolder(i, QString::fromStdString(*dir));
            found << QStringLiteral("%1: %2").arg(
                kMethods[i], QFileInfo(QString::fromStdString(*dir)).fileName());
        } else {
            missing << kMethods[i];
        }
    }
    QString text =
        found.isEmpty()
            ? tr("No finished segmentation run under %1 yet.").arg(runsRoot_)
            : tr("Latest segmentation runs under %1: %2.").arg(runsRoot_, found.join(", "));
    if (!missing.isEmpty())
        text += " " + tr("None for %1: train one (e.g. resources/configs/seg_demo.yaml with that "
                         "method), or pick its folder.")
                          .arg(missing.join(", "));
    status_->setText(text);
}

void SegmentationPanel::setRuns(const RunList& runs) {
    // A shown run that was evaluated again has a new best checkpoint: predict with it.
    for (const auto& run : runs) {
        const QString dir = QDir::cleanPath(run->dir);
        for (int i = 0; i < kColumns; ++i) {
            if (QDir::cleanPath(folders_[i]->text()) != dir || folders_[i]->text().isEmpty())
                continue;
            const size_t evaluations = run->record.evals.size();
            auto [it, added] = state_->evaluations.emplace(dir, evaluations);
            if (!added && it->second == evaluations) continue;  // nothing new to predict with
            it->second = evaluations;
            if (!added || !state_->segmenters[i]) setRunFolder(i, folders_[i]->text());
        }
    }
}

void SegmentationPanel::refresh() {
    const bool haveScene = scenesLoaded();
    const int index = std::clamp(scene_->value() - 1, 0,
                                 std::max(0, static_cast<int>(state_->scenes.images.size()) - 1));
    cv::Mat clean, truth;
    if (!state_->custom.empty()) {
        clean = state_->custom;
    } else if (haveScene) {
        clean = state_->scenes.images[index];
        truth = state_->scenes.masks[index];
    }
    if (clean.empty()) return;
    state_->input = clean;
    const QString name = corruption_->currentData().toString();
    severity_->setEnabled(!name.isEmpty());
    if (auto c = robustness::corruption_from_name(name.toStdString())) {
        try {
            state_->input = robustness::corrupt(clean, *c, severity_->value(),
                                                static_cast<std::uint64_t>(index));
        } catch (const std::exception& e) {
            status_->setText(tr("Corruption failed: %1").arg(e.what()));
        }
    }
    inputCaption_->setText(name.isEmpty() ? tr("<b>Input</b> (clean)")
                                          : tr("<b>Input</b> (%1, severity %2: what the runs see)")
                                                .arg(name)
                                                .arg(severity_->value()));
    truth_->setImage(toImage(clean), toImage(truth));
    input_->setImage(toImage(state_->input), {});
    for (int i = 0; i < kColumns; ++i) predict(i);
}

void SegmentationPanel::predict(int column) {
    background_[column]->request(state_->segmenters[column], state_->input);
}

bool SegmentationPanel::predicting() const {
    return std::any_of(background_.begin(), background_.end(),
                       [](const BackgroundSegmenter* b) { return b->busy(); });
}

void SegmentationPanel::showPrediction(int column, const cv::Mat& image, const cv::Mat& labels,
                                       const QString& error) {
    // The newest request's result, so `image` is what the tab shows now.
    const auto& segmenter = state_->segmenters[column];
    if (!segmenter) return;
    if (!error.isEmpty()) {
        predictions_[column]->setImage({}, {});
        notes_[column]->setText(tr("Prediction failed: %1").arg(error));
        return;
    }
    predictions_[column]->setImage(toImage(image), toImage(labels));
    QString note =
        tr("%1 · %2").arg(QFileInfo(folders_[column]->text()).fileName(),
                          QFileInfo(QString::fromStdString(segmenter->checkpoint())).fileName());
    if (state_->custom.empty() && scenesLoaded()) {
        const int index = scene_->value() - 1;
        const double accuracy = pixelAccuracy(labels, state_->scenes.masks.at(index));
        if (accuracy >= 0)
            note += "\n" + tr("pixel accuracy on this scene: %1 %").arg(100 * accuracy, 0, 'f', 1);
    }
    notes_[column]->setText(note);
}

QCheckBox* SegmentationPanel::legendBox(int label) const {
    if (label < 0 || label >= legend_->count()) return nullptr;
    return qobject_cast<QCheckBox*>(legend_->itemAt(label)->widget());
}

int SegmentationPanel::legendSize() const {
    return legend_->count();
}

void SegmentationPanel::rebuildLegend() {
    while (QLayoutItem* item = legend_->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    const int classes = static_cast<int>(state_->scenes.class_names.size());
    const auto palette = voc_palette(classes);
    std::vector<SegmentationOverlay*> overlays{truth_};
    overlays.insert(overlays.end(), predictions_.begin(), predictions_.end());
    for (auto* overlay : overlays) overlay->setPalette(palette);
    for (int k = 0; k < palette.size(); ++k) {
        auto* box = new QCheckBox(QString::fromStdString(state_->scenes.class_names[k]));
        QPixmap swatch(kSwatch, kSwatch);
        swatch.fill(palette[k]);
        box->setIcon(swatch);
        // The background is left undrawn at first: its black would darken the whole scene.
        const bool shown = k != 0;
        box->setChecked(shown);
        for (auto* overlay : overlays) overlay->setClassVisible(k, shown);
        connect(box, &QCheckBox::toggled, this, [overlays, k](bool on) {
            for (auto* overlay : overlays) overlay->setClassVisible(k, on);
        });
        legend_->addWidget(box, k / kLegendColumns, k % kLegendColumns);
    }
}

void SegmentationPanel::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    // First shown with no run picked: the newest finished segmentation runs, if there are any.
    const bool none = std::all_of(folders_.begin(), folders_.end(),
                                  [](const QLineEdit* f) { return f->text().isEmpty(); });
    if (none && !shownOnce_) chooseLatestRuns();
    shownOnce_ = true;
    if (!scenesLoaded() && !fashionMnistDir_.empty()) loadScenes();
}

void SegmentationPanel::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void SegmentationPanel::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && openImage(urls.first().toLocalFile())) event->acceptProposedAction();
}

}  // namespace tpgm::ui
