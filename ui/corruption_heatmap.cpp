// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/corruption_heatmap.h"

#include "runs/run_discovery.h"
#include "runs/run_files.h"
#include "ui/form_widgets.h"
#include "ui/jobs/background_job.h"
#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace tpgm::ui {
namespace {

// The corruption matrix in `dir`'s eval.json; nullopt when there is none (or no run is chosen).
std::optional<CorruptionReport> read_matrix(const QString& dir) {
    if (dir.isEmpty()) return std::nullopt;
    const auto report = read_eval_json(dir.toStdString());
    if (!report || !report->corruptions || report->corruptions->top1.empty()) return std::nullopt;
    return report->corruptions;
}

QCPColorGradient gradient(bool diverging) {
    QCPColorGradient g;
    g.clearColorStops();
    if (diverging) {  // red: A worse, white: equal, blue: A better
        g.setColorStopAt(0.0, QColor(0xb2, 0x18, 0x2b));
        g.setColorStopAt(0.5, QColor(0xf7, 0xf7, 0xf7));
        g.setColorStopAt(1.0, QColor(0x21, 0x66, 0xac));
    } else {  // viridis
        g.setColorStopAt(0.0, QColor(0x44, 0x01, 0x54));
        g.setColorStopAt(0.5, QColor(0x21, 0x91, 0x8c));
        g.setColorStopAt(1.0, QColor(0xfd, 0xe7, 0x25));
    }
    g.setNanHandling(QCPColorGradient::nhTransparent);
    return g;
}

}  // namespace

CorruptionHeatmap::CorruptionHeatmap(QWidget* parent) : QWidget(parent) {
    plot_ = new QCustomPlot(this);
    plot_->setObjectName("corruptionHeatmap");
    map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
    scale_ = new QCPColorScale(plot_);
    plot_->plotLayout()->addElement(0, 1, scale_);
    map_->setColorScale(scale_);
    map_->setInterpolate(false);
    plot_->xAxis->setLabel(tr("severity"));
    plot_->yAxis->setRangeReversed(true);
    stylePlot(plot_);
    followPalette(plot_);  // View > Theme restyles without a restart
    addPlotContextMenu(plot_, "corruption-heatmap");

    runA_ = new WheelSafeComboBox(this);
    runA_->setObjectName("corruptionRunA");
    runB_ = new WheelSafeComboBox(this);
    runB_->setObjectName("corruptionRunB");
    connect(runA_, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    connect(runB_, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    hint_ = new QLabel(this);
    hint_->setWordWrap(true);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Run:"), this));
    top->addWidget(runA_, 1);
    top->addWidget(new QLabel(tr("minus:"), this));
    top->addWidget(runB_, 1);

    job_ = new BackgroundJob(QStringLiteral("tpgm-evaluation"), this);
    compute_ = new QPushButton(this);
    compute_->setObjectName("computeCorruptions");
    compute_->setToolTip(
        tr("Evaluates the selected run's best checkpoint on its test sets and on "
           "the 15 benchmark corruptions at severities 1-5 (1000 ID test "
           "images), in the background, and writes its eval.json; as "
           "tpgm-cli eval --run RUN_DIR --corruptions benchmark"));
    progress_ = new QProgressBar(this);
    progress_->setTextVisible(true);
    progress_->hide();
    cancel_ = new QPushButton(tr("Cancel"), this);
    cancel_->setObjectName("cancelCorruptions");
    cancel_->hide();
    connect(compute_, &QPushButton::clicked, this, [this] { computeSelected(); });
    connect(cancel_, &QPushButton::clicked, job_, &BackgroundJob::cancel);
    // The phase ("evaluating corruptions", "evaluating: OOD set 2 of 4 (sketch)", data loading)
    // and its fraction done.
    connect(job_, &BackgroundJob::progressed, this,
            [this](const QString& phase, qint64 done, qint64 total) {
                progress_->setRange(0, static_cast<int>(std::max<qint64>(1, total)));
                progress_->setValue(static_cast<int>(done));
                progress_->setFormat(phase + " %p%");
            });
    auto* actions = new QHBoxLayout;
    actions->addWidget(compute_);
    actions->addWidget(progress_, 1);
    actions->addWidget(cancel_);
    actions->addStretch();

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addLayout(actions);
    layout->addWidget(hint_);
    layout->addWidget(plot_, 1);
    rebuild();
    updateCompute();
}

CorruptionRequest CorruptionHeatmap::defaultRequest() {
    CorruptionRequest r;
    r.corruptions = corruption_names("benchmark");
    return r;
}

void CorruptionHeatmap::setSelectedRun(const RunPtr& run, bool training) {
    if (run == selected_ && training == training_) return;
    selected_ = run;
    training_ = training;
    updateCompute();
}

void CorruptionHeatmap::updateCompute() {
    const bool busy = job_->isRunning();
    compute_->setVisible(!busy);
    progress_->setVisible(busy);
    cancel_->setVisible(busy);
    if (busy) return;
    compute_->setEnabled(false);
    if (!selected_) {
        compute_->setText(tr("Compute the corruption matrix (select a run)"));
        return;
    }
    const QString name = selected_->name;
    if (training_) {
        compute_->setText(tr("Compute for %1 (when it has finished)").arg(name));
    } else if (!find_best_checkpoint(selected_->dir.toStdString())) {
        compute_->setText(tr("Compute for %1 (it has no checkpoint)").arg(name));
    } else {
        compute_->setEnabled(true);
        compute_->setText(read_matrix(selected_->dir) ? tr("Recompute for %1").arg(name)
                                                      : tr("Compute for %1").arg(name));
    }
}

bool CorruptionHeatmap::computeSelected(const CorruptionRequest& request) {
    if (!compute_->isEnabled() || job_->isRunning()) return false;
    // `tpgm-cli eval --run DIR --corruptions ...`: scores the run's best checkpoint on its sets
    // and the corruption matrix and writes its eval.json; a cancel ends it between sets or cells.
    const QString dir = selected_->dir;
    const bool started = job_->start(
        [folder = dir.toStdString(), request](JobContext& job) {
            evaluate_run(folder, request, job.sink(), job.control());
        },
        [this, dir](BackgroundJob::Outcome outcome, const QString& error) {
            onEvaluated(dir, BackgroundJob::errorText(outcome, error));
        });
    if (!started) return false;
    progress_->setRange(0, 0);  // busy until the first report
    progress_->setFormat(tr("loading %1").arg(selected_->name));
    updateCompute();
    return true;
}

void CorruptionHeatmap::onEvaluated(const QString& dir, const QString& error) {
    updateCompute();
    if (error.isEmpty()) {
        setRuns(runs_);
        select(dir, runB_->currentData().toString() == dir ? QString()
                                                           : runB_->currentData().toString());
    } else if (error != BackgroundJob::kCancelled) {
        hint_->setText(tr("The evaluation of %1 failed: %2").arg(QFileInfo(dir).fileName(), error));
    }
    emit evaluated(dir, error);
}

void CorruptionHeatmap::setRuns(const RunList& runs) {
    runs_ = runs;
    QStringList dirs;
    for (const auto& run : runs)
        if (read_matrix(run->dir)) dirs << run->dir;
    QStringList current;
    for (int i = 0; i < runA_->count(); ++i) current << runA_->itemData(i).toString();
    if (dirs == current) return;
    const QString a = runA_->currentData().toString(), b = runB_->currentData().toString();
    const QSignalBlocker blockA(runA_), blockB(runB_);
    runA_->clear();
    runB_->clear();
    runB_->addItem(tr("(nothing)"), QString());
    for (const auto& run : runs) {
        if (!dirs.contains(run->dir)) continue;
        runA_->addItem(run->name, run->dir);
        runB_->addItem(run->name, run->dir);
    }
    runA_->setCurrentIndex(std::max(0, runA_->findData(a)));
    runB_->setCurrentIndex(std::max(0, runB_->findData(b)));
    rebuild();
}

void CorruptionHeatmap::select(const QString& dirA, const QString& dirB) {
    runA_->setCurrentIndex(runA_->findData(dirA));
    runB_->setCurrentIndex(std::max(0, runB_->findData(dirB)));
    rebuild();
}

double CorruptionHeatmap::cell(int corruption, int severity) const {
    if (corruption < 0 || corruption >= rows() || severity < 0 || severity >= columns())
        return std::numeric_limits<double>::quiet_NaN();
    return values_[corruption][severity];
}

void CorruptionHeatmap::rebuild() {
    const auto a = read_matrix(runA_->currentData().toString());
    const auto b = read_matrix(runB_->currentData().toString());
    const bool diff = b.has_value();
    // A segmentation run's matrix holds mean IoU where a classifier's holds top-1 accuracy.
    const QString dirA = runA_->currentData().toString();
    const bool miou = std::any_of(runs_.begin(), runs_.end(), [&](const RunPtr& r) {
        return r->dir == dirA && r->segmentation;
    });
    labels_.clear();
    severities_.clear();
    values_.clear();
    if (a) {
        for (int s : a->severities) severities_ << s;
        const bool same_severities = diff && b->severities == a->severities;
        for (const auto& [name, cellsA] : a->top1) {
            const std::vector<double>* cellsB = nullptr;
            if (diff && b->top1.count(name)) cellsB = &b->top1.at(name);
            const bool comparable = same_severities && cellsB && cellsB->size() == cellsA.size();
            std::vector<double> row;
            for (int s = 0; s < severities_.size(); ++s) {
                const double va = s < int(cellsA.size()) ? 100 * cellsA[s] : std::nan("");
                row.push_back(diff ? (comparable ? va - 100 * (*cellsB)[s] : std::nan("")) : va);
            }
            labels_ << QString::fromStdString(name);
            values_.push_back(row);
        }
    }
    hint_->setText(
        runA_->count() == 0
            ? tr("No open run has a corruption matrix yet. Compute one for the selected run with "
                 "the button above, or with\ntpgm-cli eval --run RUN_DIR --corruptions benchmark "
                 "[--baseline OTHER_RUN]")
        : diff ? tr("%1 of the first run minus the second, in points (blue: better).")
                     .arg(miou ? tr("Mean IoU") : tr("Top-1"))
               : tr("%1 (%) per corruption and severity.")
                     .arg(miou ? tr("Mean IoU") : tr("Top-1 accuracy")));
    map_->data()->setSize(std::max(1, columns()), std::max(1, rows()));
    map_->data()->setRange(QCPRange(0, std::max(0, columns() - 1)),
                           QCPRange(0, std::max(0, rows() - 1)));
    map_->data()->fill(std::nan(""));
    double extent = 0;
    for (int r = 0; r < rows(); ++r)
        for (int c = 0; c < columns(); ++c) {
            map_->data()->setCell(c, r, values_[r][c]);
            if (std::isfinite(values_[r][c])) extent = std::max(extent, std::abs(values_[r][c]));
        }
    map_->setGradient(gradient(diff));
    map_->setDataRange(diff ? QCPRange(-std::max(extent, 1.0), std::max(extent, 1.0))
                            : QCPRange(0, 100));
    scale_->axis()->setLabel(diff ? tr("difference (points)")
                                  : (miou ? tr("mean IoU (%)") : tr("top-1 (%)")));
    scale_->setVisible(rows() > 0);  // an empty map has no colour bar that looks like data
    QSharedPointer<QCPAxisTickerText> xticks(new QCPAxisTickerText);
    for (int c = 0; c < columns(); ++c) xticks->addTick(c, QString::number(severities_[c]));
    plot_->xAxis->setTicker(xticks);
    QSharedPointer<QCPAxisTickerText> yticks(new QCPAxisTickerText);
    for (int r = 0; r < rows(); ++r) yticks->addTick(r, labels_[r]);
    plot_->yAxis->setTicker(yticks);
    plot_->xAxis->setRange(-0.5, std::max(0, columns() - 1) + 0.5);
    plot_->yAxis->setRange(-0.5, std::max(0, rows() - 1) + 0.5);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace tpgm::ui
