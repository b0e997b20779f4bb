// SPDX-License-Identifier: GPL-3.0-or-later
// Shared look of the QCustomPlot widgets (following the application palette) and plot export.
#pragma once

#include <QColor>
#include <QString>

class QCustomPlot;
class QWidget;

namespace tpgm::ui {

// Colours axes, grid, legend and background from the widget's current palette.
void stylePlot(QCustomPlot* plot);
// Moves the legend out of the plot into a row under it, `columns` entries a row, so that it
// never covers data (the newest radii, three runs' accuracy curves).
void placeLegendBelow(QCustomPlot* plot, int columns = 4);
// Shows the legend when `wanted` and the plot is tall enough (a small plot hides it and names
// its lines on hover instead).
void showLegend(QCustomPlot* plot, bool wanted);
// Shows the name of the line under the pointer (plots with more lines than a legend can hold).
void nameLinesOnHover(QCustomPlot* plot);
// Restyles `plot` (stylePlot) and replots whenever the palette changes (View > Theme). Deferred
// to the next event-loop turn: when QApplication::setPalette notifies a widget, its children's
// palettes may not be updated yet, and restyling at once left the plots one theme behind.
void followPalette(QCustomPlot* plot);
// Keeps the x axis's tick labels apart as the plot narrows (at 1024x700 six step labels ran
// together); the axis's ticker must stay the same object or be set before the plot is shown.
void thinTicksToWidth(QCustomPlot* plot);
// Colour of the i-th data set inside one run (ID, OOD sets, ...).
QColor seriesColor(int index);
// Saves as PNG or PDF by the path's suffix; false on failure.
bool savePlot(QCustomPlot* plot, const QString& path, int width = 0, int height = 0);
// Asks for a file name and saves; used by the plots' context menus.
void exportPlotDialog(QCustomPlot* plot, QWidget* parent, const QString& suggestedName);
// Adds "Export PNG/PDF..." and "Reset view" to the plot's right-click menu.
void addPlotContextMenu(QCustomPlot* plot, const QString& suggestedName);

}  // namespace tpgm::ui
