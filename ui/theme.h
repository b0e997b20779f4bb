// SPDX-License-Identifier: GPL-3.0-or-later
// Light and dark palettes (resources/palettes/*.palette) that follow the system by default,
// and the application icon.
#pragma once

#include <QIcon>
#include <QString>

class QApplication;

namespace tpgm::ui {

enum class Theme { System = 0, Light = 1, Dark = 2 };

// Loads the resources of the tpgm_ui library (call once, after QApplication exists).
void initUiResources();
// Whether the desktop asks for dark colours (platform palette, GTK_THEME, QT_STYLE dark hints).
bool systemPrefersDark();
// Applies the Fusion style with the light or dark palette.
void applyTheme(Theme theme);
Theme currentTheme();
// The application icon (the same drawing as resources/icons/tpgm-workbench.svg).
QIcon appIcon();
// Toolbar icons drawn in colour so they read on light and dark palettes: start, pause,
// resume, stop, extend, open.
QIcon actionIcon(const QString& name);
// The About box text (resources/about.html) with the version filled in.
QString aboutHtml();

}  // namespace tpgm::ui
