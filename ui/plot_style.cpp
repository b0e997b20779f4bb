// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <algorithm>

#include <QEvent>
#include <QFileDialog>
#include <QMenu>
#include <QPointer>
#include <QTimer>
#include <QToolTip>

namespace tpgm::ui {

void stylePlot(QCustomPlot* plot) {
    const QPalette pal = plot->palette();
    const QColor bg = pal.color(QPalette::Base);
    const QColor fg = pal.color(QPalette::Text);
    QColor grid = fg;
    grid.setAlpha(40);
    plot->setBackground(bg);
    QList<QCPAxis*> axes = plot->axisRect()->axes();
    // Colour bars have their own axis; their labels must follow the theme as the plot's do.
    for (QCPLayoutElement* e : plot->plotLayout()->elements(true)) {
        if (auto* scale = qobject_cast<QCPColorScale*>(e)) axes << scale->axis();
        if (auto* title = qobject_cast<QCPTextElement*>(e)) title->setTextColor(fg);
    }
    for (QCPAxis* axis : axes) {
        axis->setBasePen(QPen(fg));
        axis->setTickPen(QPen(fg));
        axis->setSubTickPen(QPen(fg));
        axis->setTickLabelColor(fg);
        axis->setLabelColor(fg);
        axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
    }
    // Text items are the plots' empty-state notes.
    for (int i = 0; i < plot->itemCount(); ++i)
        if (auto* text = qobject_cast<QCPItemText*>(plot->item(i)))
            text->setColor(pal.color(QPalette::PlaceholderText));
    QColor legendBg = bg;
    legendBg.setAlpha(215);
    const bool outside = plot->legend->layout() != plot->axisRect()->insetLayout();
    plot->legend->setBrush(outside ? QBrush(Qt::NoBrush) : QBrush(legendBg));
    plot->legend->setTextColor(fg);
    plot->legend->setBorderPen(outside ? QPen(Qt::NoPen) : QPen(grid));
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot->setNoAntialiasingOnDrag(true);
}

namespace {
constexpr int kCompactHeight = 150;  // below this a plot drops its legend and thins its ticks

bool compact(const QCustomPlot* plot) {
    return plot->height() > 0 && plot->height() < kCompactHeight;
}

// A small plot keeps its data readable: no legend (hover names the lines), fewer y ticks.
void applyCompact(QCustomPlot* plot) {
    const bool small = compact(plot);
    plot->legend->setVisible(plot->property("legendWanted").toBool() && !small);
    plot->yAxis->ticker()->setTickCount(small ? 3 : 5);
    // A y title longer than the plot is tall is clipped; a short one is set where needed.
    if (!plot->property("fullYLabel").isValid())
        plot->setProperty("fullYLabel", plot->yAxis->label());
    const QString shortLabel = plot->property("shortYLabel").toString();
    plot->yAxis->setLabel(small && !shortLabel.isEmpty() ? shortLabel
                                                         : plot->property("fullYLabel").toString());
}

class CompactFollower : public QObject {
  public:
    explicit CompactFollower(QCustomPlot* plot) : QObject(plot), plot_(plot) {}
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() != QEvent::Resize) return QObject::eventFilter(watched, event);
        // As many legend columns as fit the width (long layer names wrapped in four columns
        // held the window 700 px wide).
        const int columns = std::clamp(plot_->width() / 180, 1,
                                       std::max(1, plot_->property("legendColumns").toInt()));
        const bool changed = compact(plot_) != wasCompact_ || columns != plot_->legend->wrap();
        if (changed) {
            wasCompact_ = compact(plot_);
            plot_->legend->setWrap(columns);
            applyCompact(plot_);
            plot_->replot(QCustomPlot::rpQueuedReplot);
        }
        return QObject::eventFilter(watched, event);
    }

  private:
    QCustomPlot* plot_;
    bool wasCompact_ = false;
};
}  // namespace

void showLegend(QCustomPlot* plot, bool wanted) {
    plot->setProperty("legendWanted", wanted);
    applyCompact(plot);
}

void placeLegendBelow(QCustomPlot* plot, int columns) {
    QCPLegend* legend = plot->legend;
    if (plot->axisRect()->insetLayout()->take(legend)) plot->axisRect()->insetLayout()->simplify();
    QCPLayoutGrid* layout = plot->plotLayout();
    const int row = layout->rowCount();
    layout->addElement(row, 0, legend);
    layout->setRowStretchFactor(row, 0.001);  // as tall as its entries, no more
    layout->setRowSpacing(0);
    legend->setFillOrder(QCPLegend::foColumnsFirst);
    legend->setWrap(columns);
    plot->setProperty("legendColumns", columns);
    // The legend's entries must not set the window's minimum width; they wrap (see above).
    plot->setMinimumWidth(160);
    legend->setMargins(QMargins(6, 0, 6, 2));
    legend->setRowSpacing(0);
    legend->setColumnSpacing(12);
    plot->installEventFilter(new CompactFollower(plot));
    plot->setProperty("legendWanted", legend->visible());
    stylePlot(plot);
}

void nameLinesOnHover(QCustomPlot* plot) {
    QObject::connect(plot, &QCustomPlot::mouseMove, plot, [plot](QMouseEvent* event) {
        auto* graph = qobject_cast<QCPGraph*>(plot->plottableAt(event->position(), false));
        if (!graph || graph->name().isEmpty()) {
            QToolTip::hideText();
            return;
        }
        QToolTip::showText(event->globalPosition().toPoint(), graph->name(), plot);
    });
}

namespace {
class PaletteFollower : public QObject {
  public:
    explicit PaletteFollower(QCustomPlot* plot) : QObject(plot), plot_(plot) {}
    bool eventFilter(QObject* watched, QEvent* event) override {
        const auto type = event->type();
        if ((type == QEvent::PaletteChange || type == QEvent::ApplicationPaletteChange ||
             type == QEvent::StyleChange) &&
            !pending_) {
            pending_ = true;
            QTimer::singleShot(0, this, [this] {
                pending_ = false;
                if (!plot_) return;
                stylePlot(plot_);
                plot_->replot();
            });
        }
        return QObject::eventFilter(watched, event);
    }

  private:
    QPointer<QCustomPlot> plot_;
    bool pending_ = false;
};
}  // namespace

void followPalette(QCustomPlot* plot) {
    plot->installEventFilter(new PaletteFollower(plot));
}

namespace {
constexpr int kPixelsPerXTick = 75;  // room for a label such as "12500" and a gap

int xTickCount(const QCustomPlot* plot) {
    return std::clamp(plot->width() / kPixelsPerXTick, 2, 6);
}

class TickThinner : public QObject {
  public:
    explicit TickThinner(QCustomPlot* plot) : QObject(plot), plot_(plot) {}
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() == QEvent::Resize &&
            plot_->xAxis->ticker()->tickCount() != xTickCount(plot_)) {
            plot_->xAxis->ticker()->setTickCount(xTickCount(plot_));
            plot_->replot(QCustomPlot::rpQueuedReplot);
        }
        return QObject::eventFilter(watched, event);
    }

  private:
    QCustomPlot* plot_;
};
}  // namespace

void thinTicksToWidth(QCustomPlot* plot) {
    plot->installEventFilter(new TickThinner(plot));
}

QColor seriesColor(int index) {
    static const QColor colors[] = {QColor(0x3b, 0x82, 0xf6), QColor(0xf5, 0x9e, 0x0b),
                                    QColor(0x10, 0xb9, 0x81), QColor(0xef, 0x44, 0x44),
                                    QColor(0xa8, 0x55, 0xf7), QColor(0x06, 0xb6, 0xd4),
                                    QColor(0xec, 0x48, 0x99), QColor(0x84, 0xcc, 0x16),
                                    QColor(0x64, 0x74, 0x8b), QColor(0xf9, 0x73, 0x16)};
    return colors[index % 10];
}

bool savePlot(QCustomPlot* plot, const QString& path, int width, int height) {
    if (path.endsWith(".pdf", Qt::CaseInsensitive)) return plot->savePdf(path, width, height);
    return plot->savePng(path, width, height);
}

void exportPlotDialog(QCustomPlot* plot, QWidget* parent, const QString& suggestedName) {
    const QString path =
        QFileDialog::getSaveFileName(parent, QObject::tr("Export plot"), suggestedName + ".png",
                                     QObject::tr("PNG image (*.png);;PDF document (*.pdf)"));
    if (!path.isEmpty()) savePlot(plot, path);
}

void addPlotContextMenu(QCustomPlot* plot, const QString& suggestedName) {
    plot->setContextMenuPolicy(Qt::CustomContextMenu);
    QObject::connect(
        plot, &QWidget::customContextMenuRequested, plot, [plot, suggestedName](const QPoint& pos) {
            QMenu menu(plot);
            menu.addAction(QObject::tr("Reset view"), plot, [plot] {
                plot->rescaleAxes();
                plot->replot();
            });
            menu.addAction(QObject::tr("Export PNG/PDF..."), plot,
                           [plot, suggestedName] { exportPlotDialog(plot, plot, suggestedName); });
            menu.exec(plot->mapToGlobal(pos));
        });
}

}  // namespace tpgm::ui
