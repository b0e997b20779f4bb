// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/theme.h"

#include "engine/build_info.h"

#include <QApplication>
#include <QFile>
#include <QPainter>
#include <QPainterPath>
#include <QPalette>
#include <QPolygonF>
#include <QStyleFactory>
#include <QTextStream>
#include <QWidget>

static void initWorkbenchResources() {
    Q_INIT_RESOURCE(workbench);
}

namespace tpgm::ui {

namespace {
Theme g_theme = Theme::System;
bool g_systemDark = false;
bool g_systemKnown = false;

QPalette loadPalette(const QString& name) {
    QPalette pal;
    QFile f(":/palettes/" + name + ".palette");
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) return pal;
    static const std::pair<const char*, QPalette::ColorRole> roles[] = {
        {"Window", QPalette::Window},
        {"WindowText", QPalette::WindowText},
        {"Base", QPalette::Base},
        {"AlternateBase", QPalette::AlternateBase},
        {"ToolTipBase", QPalette::ToolTipBase},
        {"ToolTipText", QPalette::ToolTipText},
        {"PlaceholderText", QPalette::PlaceholderText},
        {"Text", QPalette::Text},
        {"Button", QPalette::Button},
        {"ButtonText", QPalette::ButtonText},
        {"BrightText", QPalette::BrightText},
        {"Highlight", QPalette::Highlight},
        {"HighlightedText", QPalette::HighlightedText},
        {"Link", QPalette::Link},
        {"Mid", QPalette::Mid},
        {"Dark", QPalette::Dark},
        {"Shadow", QPalette::Shadow},
        {"Light", QPalette::Light}};
    QTextStream in(&f);
    while (!in.atEnd()) {
        const QString line = in.readLine().trimmed();
        if (line.isEmpty() || line.startsWith('#')) continue;
        const auto parts = line.split('=');
        if (parts.size() != 2) continue;
        for (const auto& [key, role] : roles)
            if (parts[0].trimmed() == key)
                pal.setColor(QPalette::All, role, QColor(parts[1].trimmed()));
    }
    QColor disabled = pal.color(QPalette::Text);
    disabled.setAlpha(110);
    for (auto role : {QPalette::Text, QPalette::WindowText, QPalette::ButtonText})
        pal.setColor(QPalette::Disabled, role, disabled);
    return pal;
}
}  // namespace

void initUiResources() {
    initWorkbenchResources();
}

bool systemPrefersDark() {
    if (!g_systemKnown) {
        g_systemKnown = true;
        const QByteArray gtk = qgetenv("GTK_THEME").toLower();
        const QPalette pal = QGuiApplication::palette();
        g_systemDark = gtk.contains(":dark") || gtk.endsWith("-dark") ||
                       pal.color(QPalette::Window).lightness() < 128;
    }
    return g_systemDark;
}

void applyTheme(Theme theme) {
    systemPrefersDark();  // remember the platform's choice before replacing its palette
    g_theme = theme;
    const bool dark = theme == Theme::Dark || (theme == Theme::System && systemPrefersDark());
    QApplication::setStyle(QStyleFactory::create("Fusion"));
    QApplication::setPalette(loadPalette(dark ? "dark" : "light"));
    // A widget with a style sheet keeps the palette it was polished with (the robustness notes
    // stayed dark on dark); setting its sheet again polishes it with the new one.
    for (QWidget* w : QApplication::allWidgets()) {
        const QString sheet = w->styleSheet();
        if (sheet.isEmpty()) continue;
        w->setStyleSheet(QString());
        w->setStyleSheet(sheet);
    }
}

Theme currentTheme() {
    return g_theme;
}

QIcon appIcon() {
    QIcon icon;
    for (int size : {16, 24, 32, 48, 64, 128, 256}) {
        QPixmap pm(size, size);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        p.scale(size / 256.0, size / 256.0);
        QLinearGradient bg(0, 8, 0, 248);
        bg.setColorAt(0, QColor("#2b4c7e"));
        bg.setColorAt(1, QColor("#14233d"));
        p.setPen(Qt::NoPen);
        p.setBrush(bg);
        p.drawRoundedRect(QRectF(8, 8, 240, 240), 48, 48);
        QColor fill("#3b82f6");
        fill.setAlphaF(0.18);
        p.setBrush(fill);
        p.setPen(QPen(QColor("#7fb2ff"), 10));
        p.drawEllipse(QPointF(112, 140), 72, 72);
        QPen dashed(QColor("#f59e0b"), 9, Qt::CustomDashLine, Qt::RoundCap);
        dashed.setDashPattern({16.0 / 9, 12.0 / 9});
        p.setPen(dashed);
        p.drawLine(QPointF(112, 140), QPointF(206, 52));
        p.setPen(QPen(QColor("#10b981"), 9, Qt::SolidLine, Qt::RoundCap));
        p.drawLine(QPointF(206, 52), QPointF(164, 90));
        p.setPen(Qt::NoPen);
        p.setBrush(QColor("#f59e0b"));
        p.drawEllipse(QPointF(206, 52), 13, 13);
        p.setBrush(QColor("#10b981"));
        p.setPen(QPen(Qt::white, 5));
        p.drawEllipse(QPointF(164, 90), 15, 15);
        p.setPen(Qt::NoPen);
        p.setBrush(Qt::white);
        p.drawEllipse(QPointF(112, 140), 14, 14);
        p.end();
        icon.addPixmap(pm);
    }
    return icon;
}

QIcon actionIcon(const QString& name) {
    QIcon icon;
    for (int size : {16, 24, 32}) {
        QPixmap pm(size, size);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        p.scale(size / 16.0, size / 16.0);
        p.setPen(Qt::NoPen);
        if (name == "start" || name == "resume") {
            p.setBrush(QColor(name == "start" ? "#16a34a" : "#0ea5e9"));
            p.drawPolygon(QPolygonF({QPointF(4, 2.5), QPointF(13.5, 8), QPointF(4, 13.5)}));
        } else if (name == "pause") {
            p.setBrush(QColor("#f59e0b"));
            p.drawRoundedRect(QRectF(3.5, 2.5, 3.2, 11), 1, 1);
            p.drawRoundedRect(QRectF(9.3, 2.5, 3.2, 11), 1, 1);
        } else if (name == "stop") {
            p.setBrush(QColor("#dc2626"));
            p.drawRoundedRect(QRectF(3, 3, 10, 10), 1.5, 1.5);
        } else if (name == "extend") {
            p.setBrush(QColor("#8b5cf6"));
            p.drawPolygon(QPolygonF({QPointF(2, 3), QPointF(8, 8), QPointF(2, 13)}));
            p.drawPolygon(QPolygonF({QPointF(8, 3), QPointF(14, 8), QPointF(8, 13)}));
        } else {  // open: a folder
            p.setBrush(QColor("#eab308"));
            p.drawRoundedRect(QRectF(1.5, 4, 13, 9.5), 1.5, 1.5);
            p.drawRoundedRect(QRectF(1.5, 2.5, 5.5, 3), 1, 1);
        }
        p.end();
        icon.addPixmap(pm);
    }
    return icon;
}

QString aboutHtml() {
    QFile f(":/about.html");
    QString html = f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll())
                                               : QStringLiteral("<h2>TPGM Workbench</h2>");
    // The same figures as `tpgm-cli --version`, plus Qt, which the engine does not link.
    const BuildInfo b = build_info();
    return html.replace("%VERSION%", QString::fromStdString(b.version))
        .replace("%COMMIT%", QString::fromStdString(b.commit))
        .replace("%LIBTORCH%", QString::fromStdString(b.libtorch) +
                                   (b.cuda ? QObject::tr(" (CUDA)") : QObject::tr(" (CPU only)")))
        .replace("%OPENCV%", QString::fromStdString(b.opencv))
        .replace("%QT%", qVersion());
}

}  // namespace tpgm::ui
