// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/radii_depth_plot.h"

#include "config/methods.h"
#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QLabel>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace tpgm::ui {

RadiiDepthPlot::RadiiDepthPlot(QWidget* parent) : QWidget(parent) {
    plot_ = new QCustomPlot(this);
    plot_->setObjectName("radiiDepthPlot");
    plot_->setMinimumHeight(160);
    radius_ = new QCPBars(plot_->xAxis, plot_->yAxis);
    radius_->setName(tr("radius g (learned)"));
    radius_->setPen(Qt::NoPen);
    radius_->setBrush(seriesColor(0));
    distance_ = new QCPBars(plot_->xAxis, plot_->yAxis);
    distance_->setName(tr("distance ||W - W0||"));
    distance_->setPen(Qt::NoPen);
    distance_->setBrush(seriesColor(1));
    auto* group = new QCPBarsGroup(plot_);
    group->setSpacingType(QCPBarsGroup::stAbsolute);
    group->setSpacing(0);
    radius_->setBarsGroup(group);
    distance_->setBarsGroup(group);
    radius_->setWidth(0.42);
    distance_->setWidth(0.42);
    plot_->xAxis->setLabel(tr("constrained tensor (input → output)"));
    plot_->yAxis->setLabel(tr("norm"));
    plot_->legend->setVisible(true);
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    stylePlot(plot_);
    followPalette(plot_);  // View > Theme restyles without a restart
    thinTicksToWidth(plot_);
    placeLegendBelow(plot_, 2);
    plot_->setInteraction(QCP::iRangeDrag, true);
    plot_->axisRect()->setRangeDrag(Qt::Horizontal);
    plot_->axisRect()->setRangeZoom(Qt::Horizontal);
    addPlotContextMenu(plot_, "radii-depth");
    connect(plot_, &QCustomPlot::mouseMove, this, &RadiiDepthPlot::showTooltip);

    log_ = new QCheckBox(tr("log scale"), this);
    log_->setObjectName("radiiLogScale");
    connect(log_, &QCheckBox::toggled, this, [this](bool on) {
        plot_->yAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
        if (on)
            plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
        else
            plot_->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
        rebuild(true);
    });
    caption_ = new QLabel(tr("No radii yet: start a TPGM run or open a run folder."), this);
    caption_->setWordWrap(true);
    auto* top = new QHBoxLayout;
    top->addWidget(caption_, 1);
    top->addWidget(log_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addWidget(plot_, 1);
}

bool RadiiDepthPlot::logScale() const {
    return log_->isChecked();
}
void RadiiDepthPlot::setLogScale(bool on) {
    log_->setChecked(on);
}

void RadiiDepthPlot::setSnapshot(const RadiiSnapshot* snapshot, const QString& runName,
                                 const QString& method) {
    if (!snapshot) {
        snapshot_ = RadiiSnapshot{};
        // Say why the plot is empty for the run shown, not what to do in general.
        caption_->setText(
            runName.isEmpty() ? tr("No radii yet: start a run (Ctrl+R) or open a run folder.")
            : find_method(method.toStdString()) && find_method(method.toStdString())->head_only
                ? tr("%1 is a linear probe: the backbone keeps its pre-trained weights, so it "
                     "has no radii and every distance is 0.")
                      .arg(runName)
                : tr("%1 has no radii yet: they appear with its first radius update.")
                      .arg(runName));
        rebuild(true);
        return;
    }
    const bool same = snapshot->step == snapshot_.step && snapshot->names == snapshot_.names &&
                      caption_->property("run").toString() == runName;
    if (same) return;
    snapshot_ = *snapshot;
    caption_->setProperty("run", runName);
    int active = 0;
    for (size_t i = 0; i < snapshot_.names.size(); ++i)
        if (i < snapshot_.radius.size() && i < snapshot_.distance.size() &&
            snapshot_.distance[i] >= 0.999 * snapshot_.radius[i])
            ++active;
    const bool constrained = std::any_of(snapshot_.radius.begin(), snapshot_.radius.end(),
                                         [](double r) { return r > 0; });
    caption_->setText(
        constrained ? tr("%1 · step %2 · %3 of %4 constraints active (distance at the radius)")
                          .arg(runName)
                          .arg(snapshot_.step)
                          .arg(active)
                          .arg(snapshot_.names.size())
                    : tr("%1 · step %2 · distances only (this method learns no radii)%3")
                          .arg(runName)
                          .arg(snapshot_.step)
                          .arg(activityText()));
    rebuild(shown_layers_ != snapshot_.names.size());
}

void RadiiDepthPlot::rebuild(bool rescale) {
    const int n = static_cast<int>(snapshot_.names.size());
    QVector<double> x(n), r(n), d(n);
    const double floor = log_->isChecked() ? 1e-8 : 0.0;
    for (int i = 0; i < n; ++i) {
        x[i] = i;
        r[i] = i < static_cast<int>(snapshot_.radius.size()) ? std::max(snapshot_.radius[i], floor)
                                                             : 0;
        d[i] = i < static_cast<int>(snapshot_.distance.size())
                   ? std::max(snapshot_.distance[i], floor)
                   : 0;
    }
    radius_->setData(x, r, true);
    distance_->setData(x, d, true);
    shown_layers_ = n;
    if (rescale || n > 0) {
        if (rescale) plot_->xAxis->setRange(-0.8, std::max(n, 1) - 0.2);
        double hi = 0;
        double lo = 1e300;
        for (int i = 0; i < n; ++i) {
            hi = std::max({hi, r[i], d[i]});
            for (double v : {r[i], d[i]})
                if (v > 0) lo = std::min(lo, v);
        }
        if (hi <= 0) hi = 1;
        if (log_->isChecked())
            plot_->yAxis->setRange(std::min(lo, hi) / 2, hi * 2);
        else
            plot_->yAxis->setRange(0, hi * 1.08);
    }
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

QString RadiiDepthPlot::activityText() const {
    if (snapshot_.activity.empty()) return {};
    double sum = 0;
    for (double a : snapshot_.activity) sum += a;
    return tr(" · the decay acted in %1 % of steps (mean over tensors)")
        .arg(100 * sum / snapshot_.activity.size(), 0, 'f', 0);
}

void RadiiDepthPlot::showTooltip(QMouseEvent* event) {
    const int i = static_cast<int>(std::lround(plot_->xAxis->pixelToCoord(event->pos().x())));
    if (i < 0 || i >= static_cast<int>(snapshot_.names.size())) {
        QToolTip::hideText();
        return;
    }
    const double r = i < static_cast<int>(snapshot_.radius.size()) ? snapshot_.radius[i] : 0;
    const double d = i < static_cast<int>(snapshot_.distance.size()) ? snapshot_.distance[i] : 0;
    QString text = QStringLiteral("<b>%1</b> (#%2)<br>radius %3<br>distance %4")
                       .arg(QString::fromStdString(snapshot_.names[i]).toHtmlEscaped())
                       .arg(i)
                       .arg(r, 0, 'g', 4)
                       .arg(d, 0, 'g', 4);
    if (r > 0) text += tr("<br>distance / radius %1").arg(d / r, 0, 'f', 3);
    if (i < static_cast<int>(snapshot_.activity.size()))
        text += tr("<br>decay acted in %1 % of steps").arg(100 * snapshot_.activity[i], 0, 'f', 0);
    QToolTip::showText(event->globalPosition().toPoint(), text, plot_);
}

void RadiiDepthPlot::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) {
        stylePlot(plot_);
        plot_->replot();
    }
    QWidget::changeEvent(event);
}

}  // namespace tpgm::ui
