// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QEvent>
#include <QFileDialog>
#include <QMenu>
#include <QPointer>
#include <QTimer>

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
    plot->legend->setBrush(QBrush(legendBg));
    plot->legend->setTextColor(fg);
    plot->legend->setBorderPen(QPen(grid));
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot->setNoAntialiasingOnDrag(true);
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
