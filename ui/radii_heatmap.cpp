// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/radii_heatmap.h"

#include "ui/form_widgets.h"
#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace tpgm::ui {

namespace {
enum Mode { kRadius = 0, kDistance = 1, kRatio = 2, kActivity = 3 };
constexpr int kMaxColumns = 400;

double cellValue(const RadiiSnapshot& s, size_t layer, int mode) {
    const double r = layer < s.radius.size() ? s.radius[layer] : 0;
    const double d = layer < s.distance.size() ? s.distance[layer] : 0;
    switch (mode) {
        case kRadius:
            return r;
        case kDistance:
            return d;
        case kActivity:
            return layer < s.activity.size() ? s.activity[layer] : std::nan("");
        default:
            return r > 0 ? d / r : 0;
    }
}
}  // namespace

RadiiHeatmap::RadiiHeatmap(QWidget* parent) : QWidget(parent) {
    plot_ = new QCustomPlot(this);
    plot_->setObjectName("radiiHeatmap");
    plot_->setMinimumHeight(160);
    map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
    scale_ = new QCPColorScale(plot_);
    plot_->plotLayout()->addElement(0, 1, scale_);
    scale_->setType(QCPAxis::atRight);
    map_->setColorScale(scale_);
    QCPColorGradient viridis;
    viridis.clearColorStops();
    viridis.setColorStopAt(0.0, QColor(0x44, 0x01, 0x54));
    viridis.setColorStopAt(0.25, QColor(0x3b, 0x52, 0x8b));
    viridis.setColorStopAt(0.5, QColor(0x21, 0x91, 0x8c));
    viridis.setColorStopAt(0.75, QColor(0x5e, 0xc9, 0x62));
    viridis.setColorStopAt(1.0, QColor(0xfd, 0xe7, 0x25));
    viridis.setNanHandling(QCPColorGradient::nhTransparent);
    map_->setGradient(viridis);
    map_->setInterpolate(false);
    auto* margins = new QCPMarginGroup(plot_);
    plot_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    scale_->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    plot_->xAxis->setLabel(tr("training step"));
    plot_->yAxis->setLabel(tr("constrained tensor"));
    plot_->yAxis->setRangeReversed(true);
    empty_ = new QCPItemText(plot_);
    empty_->position->setType(QCPItemPosition::ptAxisRectRatio);
    empty_->position->setCoords(0.5, 0.5);
    empty_->setText(
        tr("No radii yet:\neach column will be\none radius update,\neach row one\n"
           "constrained tensor,\ncoloured by its radius."));
    empty_->setTextAlignment(Qt::AlignCenter);
    stylePlot(plot_);
    followPalette(plot_);  // View > Theme restyles without a restart
    thinTicksToWidth(plot_);
    styleScale();
    addPlotContextMenu(plot_, "radii-heatmap");
    connect(plot_, &QCustomPlot::mouseMove, this, &RadiiHeatmap::showTooltip);

    mode_ = new WheelSafeComboBox(this);
    mode_->setObjectName("heatmapMode");
    mode_->addItems({tr("radius g (log)"), tr("distance ||W - W0|| (log)"), tr("distance / radius"),
                     tr("share of steps the rule acted (SPD)")});
    connect(mode_, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Colour:"), this));
    top->addWidget(mode_);
    top->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addWidget(plot_, 1);
    rebuild();  // the empty state (no block of colour, no colour bar) before any run
}

int RadiiHeatmap::valueMode() const {
    return mode_->currentIndex();
}
void RadiiHeatmap::setValueMode(int mode) {
    mode_->setCurrentIndex(std::clamp(mode, 0, 3));
}

void RadiiHeatmap::setSnapshots(const std::vector<RadiiSnapshot>* snapshots,
                                const QString& runName) {
    const int columns = snapshots ? static_cast<int>(snapshots->size()) : 0;
    if (snapshots == snapshots_ && runName == run_ && columns == columns_) return;
    snapshots_ = snapshots;
    run_ = runName;
    rebuild();
}

void RadiiHeatmap::rebuild() {
    columns_ = snapshots_ ? static_cast<int>(snapshots_->size()) : 0;
    rows_ = columns_ > 0 ? static_cast<int>(snapshots_->back().names.size()) : 0;
    // At most kMaxColumns columns, sampled evenly, so long runs stay cheap to redraw.
    const int cells = std::min(columns_, kMaxColumns);
    auto snapshotOf = [&](int c) {
        return cells <= 1
                   ? 0
                   : static_cast<size_t>(static_cast<int64_t>(c) * (columns_ - 1) / (cells - 1));
    };
    // Empty: no colour block or 0-6 colour bar that would look like data.
    const bool empty = columns_ == 0 || rows_ == 0;
    map_->setVisible(!empty);
    scale_->setVisible(!empty);
    empty_->setVisible(empty);
    // Empty: no tick labels left from an earlier run either.
    plot_->xAxis->setTickLabels(!empty);
    plot_->yAxis->setTickLabels(!empty);
    if (empty) {
        map_->data()->clear();
        plot_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const auto& snaps = *snapshots_;
    // A method that learns no radii (FT, L2-SP, SPD, ...) records radius 0: show its distances.
    const bool has_radii = std::any_of(snaps.begin(), snaps.end(), [](const RadiiSnapshot& s) {
        return std::any_of(s.radius.begin(), s.radius.end(), [](double r) { return r > 0; });
    });
    const int mode =
        has_radii || mode_->currentIndex() == kActivity ? mode_->currentIndex() : kDistance;
    const bool log = mode != kRatio && mode != kActivity;
    map_->data()->setSize(cells, rows_);
    const double first = static_cast<double>(snaps.front().step);
    const double last = static_cast<double>(snaps.back().step);
    map_->data()->setRange(QCPRange(first, std::max(last, first + 1)), QCPRange(0, rows_ - 1));
    double lo = 1e300, hi = 0;
    for (int c = 0; c < cells; ++c) {
        for (int r = 0; r < rows_; ++r) {
            double v = cellValue(snaps[snapshotOf(c)], static_cast<size_t>(r), mode);
            if (log) {
                v = v > 0 ? v : std::nan("");
                if (v > 0) {
                    lo = std::min(lo, v);
                    hi = std::max(hi, v);
                }
            } else {
                hi = std::max(hi, v);
                lo = std::min(lo, v);
            }
            map_->data()->setCell(c, r, v);
        }
    }
    if (hi <= 0 || lo > hi) {
        lo = log ? 1e-6 : 0;
        hi = 1;
    }
    scale_->setDataScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (log)
        scale_->axis()->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    else
        scale_->axis()->setTicker(QSharedPointer<QCPAxisTicker>::create());
    map_->setDataRange(QCPRange(log ? lo : std::min(lo, 0.0), hi > lo ? hi : lo * 1.01 + 1e-12));
    scale_->axis()->setLabel(mode == mode_->currentIndex()
                                 ? mode_->currentText()
                                 : tr("%1 (no radii in this run)").arg(mode_->itemText(mode)));
    plot_->xAxis->setRange(first - 0.5, std::max(last, first + 1) + 0.5);
    plot_->yAxis->setRange(-0.5, rows_ - 0.5);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void RadiiHeatmap::showTooltip(QMouseEvent* event) {
    if (!snapshots_ || columns_ == 0) return;
    const double key = plot_->xAxis->pixelToCoord(event->pos().x());
    const int row = static_cast<int>(std::lround(plot_->yAxis->pixelToCoord(event->pos().y())));
    if (row < 0 || row >= rows_) {
        QToolTip::hideText();
        return;
    }
    // The snapshot nearest to the hovered step.
    const auto& snaps = *snapshots_;
    auto it = std::lower_bound(snaps.begin(), snaps.end(), key,
                               [](const RadiiSnapshot& s, double k) { return s.step < k; });
    if (it == snaps.end()) --it;
    const RadiiSnapshot& s = *it;
    if (row >= static_cast<int>(s.names.size())) return;
    QToolTip::showText(event->globalPosition().toPoint(),
                       QStringLiteral("<b>%1</b><br>step %2<br>radius %3<br>distance %4")
                           .arg(QString::fromStdString(s.names[row]).toHtmlEscaped())
                           .arg(s.step)
                           .arg(cellValue(s, row, kRadius), 0, 'g', 4)
                           .arg(cellValue(s, row, kDistance), 0, 'g', 4),
                       plot_);
}

void RadiiHeatmap::styleScale() {
    const QColor fg = palette().color(QPalette::Text);
    QCPAxis* axis = scale_->axis();
    axis->setBasePen(QPen(fg));
    axis->setTickPen(QPen(fg));
    axis->setSubTickPen(QPen(fg));
    axis->setTickLabelColor(fg);
    axis->setLabelColor(fg);
}

void RadiiHeatmap::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) {
        stylePlot(plot_);
        styleScale();
        plot_->replot();
    }
    QWidget::changeEvent(event);
}

}  // namespace tpgm::ui
