// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/radii_curves_plot.h"

#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace tpgm::ui {

namespace {
constexpr int kMaxCurves = 48;  // more lines than this is unreadable; narrow the regex
}

RadiiCurvesPlot::RadiiCurvesPlot(QWidget* parent) : QWidget(parent) {
    plot_ = new QCustomPlot(this);
    plot_->setObjectName("radiiCurvesPlot");
    plot_->xAxis->setLabel(tr("training step"));
    plot_->yAxis->setLabel(tr("radius g"));
    plot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    plot_->legend->setVisible(true);
    plot_->legend->setFont(QFont(font().family(), 8));
    stylePlot(plot_);
    followPalette(plot_);  // View > Theme restyles without a restart
    thinTicksToWidth(plot_);
    placeLegendBelow(plot_, 4);
    nameLinesOnHover(plot_);  // the legend holds 12 names; hover names every curve
    addPlotContextMenu(plot_, "radii-curves");

    regex_ = new QLineEdit(this);
    regex_->setObjectName("radiiRegex");
    regex_->setPlaceholderText(tr("layer regex, e.g. layer4|conv1"));
    regex_->setText("conv");
    regex_->setClearButtonEnabled(true);
    connect(regex_, &QLineEdit::textChanged, this, [this] { rebuild(); });
    distance_ = new QCheckBox(tr("show distance (dashed)"), this);
    connect(distance_, &QCheckBox::toggled, this, [this] { rebuild(); });
    status_ = new QLabel(this);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Layers:"), this));
    top->addWidget(regex_, 1);
    top->addWidget(distance_);
    top->addWidget(status_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addWidget(plot_, 1);
}

QString RadiiCurvesPlot::pattern() const {
    return regex_->text();
}
void RadiiCurvesPlot::setPattern(const QString& pattern) {
    regex_->setText(pattern);
}

void RadiiCurvesPlot::setSnapshots(const std::vector<RadiiSnapshot>* snapshots,
                                   const QString& runName) {
    const int columns = snapshots ? static_cast<int>(snapshots->size()) : 0;
    if (snapshots == snapshots_ && runName == run_ && columns == columns_) return;
    snapshots_ = snapshots;
    run_ = runName;
    rebuild();
}

void RadiiCurvesPlot::rebuild() {
    plot_->clearGraphs();
    columns_ = snapshots_ ? static_cast<int>(snapshots_->size()) : 0;
    curves_ = 0;
    const QRegularExpression re(regex_->text());
    if (!re.isValid()) {
        status_->setText(
            tr("<span style='color:#d33'>invalid regex: %1</span>").arg(re.errorString()));
        plot_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    if (columns_ == 0) {
        status_->setText(tr("no radii"));
        plot_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const auto& snaps = *snapshots_;
    const auto& names = snaps.back().names;
    int matched = 0;
    for (size_t layer = 0; layer < names.size(); ++layer) {
        if (!re.match(QString::fromStdString(names[layer])).hasMatch()) continue;
        ++matched;
        if (curves_ >= kMaxCurves) continue;
        const QColor color = seriesColor(curves_);
        QVector<double> x, r, d;
        x.reserve(columns_);
        for (const auto& s : snaps) {
            if (layer >= s.radius.size()) continue;
            x.push_back(static_cast<double>(s.step));
            r.push_back(std::max(s.radius[layer], 1e-12));
            d.push_back(layer < s.distance.size() ? std::max(s.distance[layer], 1e-12) : 1e-12);
        }
        QCPGraph* g = plot_->addGraph();
        g->setName(QString::fromStdString(names[layer]));
        g->setPen(QPen(color, 1.6));
        g->setData(x, r, true);
        if (distance_->isChecked()) {
            QCPGraph* gd = plot_->addGraph();
            gd->setPen(QPen(color, 1.0, Qt::DashLine));
            gd->setData(x, d, true);
            gd->removeFromLegend();
        }
        ++curves_;
    }
    showLegend(plot_, curves_ > 0 && curves_ <= 12);
    status_->setText(matched > curves_
                         ? tr("%1 of %2 matching layers shown").arg(curves_).arg(matched)
                         : tr("%1 layers").arg(matched));
    plot_->rescaleAxes();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void RadiiCurvesPlot::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) {
        stylePlot(plot_);
        plot_->replot();
    }
    QWidget::changeEvent(event);
}

}  // namespace tpgm::ui
