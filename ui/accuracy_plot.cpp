// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/accuracy_plot.h"

#include "runs/set_names.h"
#include "ui/form_widgets.h"
#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolTip>
#include <QVBoxLayout>

#include <set>

namespace tpgm::ui {

namespace {
enum SetsMode { kAll = 0, kSummary = 1, kIdOnly = 2 };

QString setLabel(const std::string& name) {
    if (name == kIdSet) return QObject::tr("ID test");
    if (name == kOodMean) return QObject::tr("OOD mean");
    if (name == kCorruptionMean) return QObject::tr("corruption mean");
    return QString::fromStdString(name);
}
}  // namespace

AccuracyPlot::AccuracyPlot(QWidget* parent) : QWidget(parent) {
    plot_ = new QCustomPlot(this);
    plot_->setObjectName("accuracyPlot");
    plot_->xAxis->setLabel(tr("training step"));
    plot_->yAxis->setLabel(tr("top-1 accuracy (%)"));
    plot_->setProperty("shortYLabel", tr("top-1 %"));  // in a small window
    plot_->legend->setVisible(true);
    plot_->legend->setFont(QFont(font().family(), 8));
    stylePlot(plot_);
    followPalette(plot_);  // View > Theme restyles without a restart
    thinTicksToWidth(plot_);
    placeLegendBelow(plot_, 6);  // as many columns as fit the width
    addPlotContextMenu(plot_, "accuracy");
    connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
        // Names the curve under the cursor (with several runs the legend lists ID and OOD mean).
        QCPGraph* best = nullptr;
        double bestDistance = 8;  // pixels
        for (int i = 0; i < plot_->graphCount(); ++i) {
            const double d = plot_->graph(i)->selectTest(event->pos(), false);
            if (d >= 0 && d < bestDistance) {
                bestDistance = d;
                best = plot_->graph(i);
            }
        }
        if (!best) {
            QToolTip::hideText();
            return;
        }
        const double key = plot_->xAxis->pixelToCoord(event->pos().x());
        auto it = best->data()->findBegin(key);
        QString text = best->name();
        if (it != best->data()->constEnd())
            text += QStringLiteral(": %1 % at step %2").arg(it->value, 0, 'f', 1).arg(it->key);
        QToolTip::showText(event->globalPosition().toPoint(), text, plot_);
    });
    connect(plot_, &QCustomPlot::mousePress, this, [this] { follow_ = false; });
    connect(plot_, &QCustomPlot::mouseWheel, this, [this] { follow_ = false; });
    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this] {
        follow_ = true;
        rebuild();
    });
    sets_ = new WheelSafeComboBox(this);
    sets_->setObjectName("accuracySets");
    sets_->addItems(
        {tr("ID and every OOD set"), tr("ID, OOD mean, corruption mean"), tr("ID only")});
    connect(sets_, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Sets:"), this));
    top->addWidget(sets_);
    top->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addWidget(plot_, 1);
}

int AccuracyPlot::setsMode() const {
    return sets_->currentIndex();
}
void AccuracyPlot::setSetsMode(int mode) {
    sets_->setCurrentIndex(std::clamp(mode, 0, 2));
}

int AccuracyPlot::pointCount() const {
    return plot_->graphCount() > 0 ? plot_->graph(0)->dataCount() : 0;
}

void AccuracyPlot::setRuns(const RunList& runs) {
    // Redraw only when an evaluation arrived or the shown runs changed.
    QString sig;
    for (const auto& r : runs)
        sig += QStringLiteral("%1:%2:%3;")
                   .arg(quintptr(r.get()))
                   .arg(r->visible)
                   .arg(r->record.evals.size());
    runs_ = runs;
    if (sig == signature_) return;
    signature_ = sig;
    rebuild();
}

void AccuracyPlot::rebuild() {
    plot_->clearGraphs();
    int shown = 0;
    for (const auto& run : runs_)
        if (run->visible && !run->record.evals.empty()) ++shown;
    const int mode = sets_->currentIndex();
    for (const auto& run : runs_) {
        if (!run->visible || run->record.evals.empty()) continue;
        // Set names in a stable order: ID first, aggregates next, then the OOD sets.
        std::vector<std::string> names{kIdSet};
        if (mode != kIdOnly) {
            for (const char* agg : {kOodMean, kCorruptionMean})
                if (run->record.evals.back().top1.count(agg)) names.push_back(agg);
            if (mode == kAll)
                for (const auto& [name, _] : run->record.evals.back().top1)
                    if (!is_headline_set(name)) names.push_back(name);
        }
        for (size_t k = 0; k < names.size(); ++k) {
            QVector<double> x, y;
            for (const auto& e : run->record.evals) {
                auto it = e.top1.find(names[k]);
                if (it == e.top1.end()) continue;
                x.push_back(static_cast<double>(e.step));
                y.push_back(100 * it->second);
            }
            QCPGraph* g = plot_->addGraph();
            // One run: a colour per set. Several: the run's colour, a line style per set.
            QPen pen(shown == 1 ? seriesColor(static_cast<int>(k)) : run->color,
                     names[k] == kIdSet ? 2.4 : (k < 3 ? 1.8 : 1.1));
            if (shown > 1 && names[k] != kIdSet) pen.setStyle(k < 3 ? Qt::DashLine : Qt::DotLine);
            g->setPen(pen);
            g->setScatterStyle(
                QCPScatterStyle(QCPScatterStyle::ssDisc, names[k] == kIdSet ? 6 : 4));
            g->setData(x, y, true);
            g->setName(shown == 1 ? setLabel(names[k]) : run->name + " · " + setLabel(names[k]));
            // One run: the legend names every line. Several: each run's ID and OOD mean (their
            // colours tell the runs apart); hover names every other set.
            const bool summary = names[k] == kIdSet || names[k] == kOodMean;
            if (shown > 1 && !summary) g->removeFromLegend();
        }
    }
    // Segmentation runs keep mean IoU where classification runs keep top-1 accuracy.
    int segmentation = 0;
    for (const auto& run : runs_)
        if (run->visible && !run->record.evals.empty() && run->segmentation) ++segmentation;
    const bool miou = shown > 0 && segmentation == shown;
    const bool mixed = segmentation > 0 && segmentation < shown;
    // showLegend() below sets the long or the short title, whichever fits the plot's height.
    plot_->setProperty("fullYLabel", miou    ? tr("mean IoU (%)")
                                     : mixed ? tr("top-1 accuracy or mean IoU (%)")
                                             : tr("top-1 accuracy (%)"));
    plot_->setProperty("shortYLabel", miou ? tr("mIoU %") : mixed ? tr("score %") : tr("top-1 %"));
    showLegend(plot_, plot_->graphCount() > 0);
    if (plot_->graphCount() == 0) {
        plot_->xAxis->setRange(0, 100);
        plot_->yAxis->setRange(0, 100);
    } else if (follow_) {
        plot_->rescaleAxes();
        const QCPRange r = plot_->yAxis->range();
        plot_->yAxis->setRange(std::max(0.0, r.lower - 5), std::min(100.0, r.upper + 5));
        // Steps from 0 to the longest run's end, as the loss plot shows them (one evaluation
        // point alone made a range around it, e.g. -30..60).
        double last = 0;
        for (const auto& run : runs_) {
            if (!run->visible || run->record.evals.empty()) continue;
            last = std::max(last, static_cast<double>(run->record.evals.back().step));
            if (!run->record.steps.empty())
                last = std::max(last, static_cast<double>(run->record.steps.back().total_steps));
        }
        plot_->xAxis->setRange(0, std::max(1.0, last * 1.02));
    }
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void AccuracyPlot::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) {
        stylePlot(plot_);
        plot_->replot();
    }
    QWidget::changeEvent(event);
}

}  // namespace tpgm::ui
