// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/loss_plot.h"

#include "ui/form_widgets.h"
#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>

namespace tpgm::ui {

QVector<double> emaSmooth(const QVector<double>& values, double weight) {
    QVector<double> out(values.size());
    double last = 0;
    double debias = 0;
    for (int i = 0; i < values.size(); ++i) {
        last = weight * last + (1 - weight) * values[i];
        debias = weight * debias + (1 - weight);
        out[i] = debias > 0 ? last / debias : values[i];
    }
    return out;
}

LossPlot::LossPlot(QWidget* parent) : QWidget(parent) {
    plot_ = new QCustomPlot(this);
    plot_->setObjectName("lossPlot");
    plot_->xAxis->setLabel(tr("training step"));
    plot_->yAxis->setLabel(tr("training loss"));
    plot_->setProperty("shortYLabel", tr("loss"));  // in a small window
    plot_->legend->setVisible(true);
    stylePlot(plot_);
    followPalette(plot_);  // View > Theme restyles without a restart
    thinTicksToWidth(plot_);
    placeLegendBelow(plot_, 4);
    nameLinesOnHover(plot_);  // names the run when the legend is hidden in a small window
    addPlotContextMenu(plot_, "loss");
    connect(plot_, &QCustomPlot::mousePress, this, [this] { follow_ = false; });
    connect(plot_, &QCustomPlot::mouseWheel, this, [this] { follow_ = false; });
    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this] {
        follow_ = true;
        rebuild();
    });

    slider_ = new FocusWheel<QSlider>(this);
    slider_->setOrientation(Qt::Horizontal);
    slider_->setObjectName("lossSmoothing");
    slider_->setRange(0, 99);
    slider_->setValue(60);
    slider_->setToolTip(tr("EMA smoothing weight of the loss curve"));
    value_ = new QLabel(this);
    value_->setMinimumWidth(36);
    connect(slider_, &QSlider::valueChanged, this, [this] { rebuild(); });
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Smoothing:"), this));
    top->addWidget(slider_, 1);
    top->addWidget(value_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addWidget(plot_, 1);
}

double LossPlot::smoothing() const {
    return slider_->value() / 100.0;
}
void LossPlot::setSmoothing(double weight) {
    slider_->setValue(static_cast<int>(weight * 100 + 0.5));
}

int LossPlot::pointCount() const {
    return plot_->graphCount() > 0 ? plot_->graph(0)->dataCount() : 0;
}

void LossPlot::setRuns(const RunList& runs) {
    // Redraw only when a shown curve gained points (evaluations alone do not change the loss).
    QString sig;
    for (const auto& r : runs)
        sig += QStringLiteral("%1:%2:%3;")
                   .arg(quintptr(r.get()))
                   .arg(r->visible)
                   .arg(r->record.steps.size());
    runs_ = runs;
    if (sig == signature_) return;
    signature_ = sig;
    rebuild();
}

void LossPlot::rebuild() {
    value_->setText(QString::number(smoothing(), 'f', 2));
    plot_->clearGraphs();
    const double w = smoothing();
    for (const auto& run : runs_) {
        if (!run->visible || run->record.steps.empty()) continue;
        const auto& steps = run->record.steps;
        QVector<double> x(static_cast<int>(steps.size())), y(static_cast<int>(steps.size()));
        for (size_t i = 0; i < steps.size(); ++i) {
            x[static_cast<int>(i)] = static_cast<double>(steps[i].step);
            y[static_cast<int>(i)] = steps[i].loss;
        }
        QColor faint = run->color;
        faint.setAlpha(w > 0 ? 70 : 255);
        QCPGraph* raw = plot_->addGraph();
        raw->setPen(QPen(faint, 1));
        raw->setData(x, y, true);
        raw->setName(run->name);
        if (w > 0) {
            raw->removeFromLegend();
            QCPGraph* smooth = plot_->addGraph();
            smooth->setPen(QPen(run->color, 2));
            smooth->setData(x, emaSmooth(y, w), true);
            smooth->setName(run->name);
        }
    }
    showLegend(plot_, plot_->graphCount() > 0);
    if (plot_->graphCount() == 0) {
        plot_->xAxis->setRange(0, 100);
        plot_->yAxis->setRange(0, 2.5);
    } else if (follow_) {
        plot_->rescaleAxes();
        if (plot_->graphCount() > 0) {
            const QCPRange r = plot_->yAxis->range();
            plot_->yAxis->setRange(std::min(0.0, r.lower), r.upper * 1.05);
        }
    }
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void LossPlot::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) {
        stylePlot(plot_);
        plot_->replot();
    }
    QWidget::changeEvent(event);
}

}  // namespace tpgm::ui
