// SPDX-License-Identifier: GPL-3.0-or-later
// WiseCurvePlot: wise.json's sweeps averaged over seeds, in QCustomPlot.
#include "ui/wise_curve_plot.h"

#include "runs/run_files.h"
#include "runs/set_names.h"
#include "ui/form_widgets.h"
#include "ui/plot_style.h"

#include <qcustomplot.h>

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <cmath>

namespace tpgm::ui {
namespace {

// The sets the curve shows, with their colour index (as in the accuracy plot).
const char* const kSets[] = {kIdSet, kOodMean};

QString setName(const std::string& set) {
    return set == kIdSet ? QObject::tr("ID") : QObject::tr("OOD mean");
}

// The mean over seeds of the sweeps that share the first one's points.
PathSweep meanOf(const std::vector<PathSweep>& sweeps) {
    PathSweep mean = sweeps.front();
    for (auto& [set, values] : mean.top1) {
        for (std::size_t i = 0; i < values.size(); ++i) {
            double sum = 0;
            int n = 0;
            for (const auto& s : sweeps) {
                const auto it = s.top1.find(set);
                if (it != s.top1.end() && i < it->second.size() && std::isfinite(it->second[i])) {
                    sum += it->second[i];
                    ++n;
                }
            }
            values[i] = n ? sum / n : std::nan("");
        }
    }
    return mean;
}

// `values` at `a`, linear between the sweep's points.
double valueAt(const std::vector<double>& points, const std::vector<double>& values, double a) {
    for (std::size_t i = 0; i + 1 < points.size() && i + 1 < values.size(); ++i)
        if (a <= points[i + 1] || i + 2 == points.size()) {
            const double w = points[i + 1] > points[i]
                                 ? std::clamp((a - points[i]) / (points[i + 1] - points[i]), 0., 1.)
                                 : 0.;
            return (1 - w) * values[i] + w * values[i + 1];
        }
    return values.empty() ? std::nan("") : values.front();
}

QVector<double> percent(const std::vector<double>& v) {
    QVector<double> out;
    for (double x : v) out << 100 * x;
    return out;
}

}  // namespace

WiseCurvePlot::WiseCurvePlot(QWidget* parent) : QWidget(parent) {
    plot_ = new QCustomPlot(this);
    plot_->setObjectName("wiseCurve");
    plot_->legend->setVisible(true);
    plot_->legend->setFont(QFont(font().family(), 8));
    stylePlot(plot_);
    followPalette(plot_);  // View > Theme restyles without a restart
    placeLegendBelow(plot_, 3);
    nameLinesOnHover(plot_);
    addPlotContextMenu(plot_, "wise-ft-curve");
    empty_ = new QLabel(this);
    empty_->setObjectName("wiseCurveEmpty");
    empty_->setAlignment(Qt::AlignCenter);
    empty_->setWordWrap(true);
    empty_->setMargin(12);
    stack_ = new QStackedWidget(this);
    stack_->addWidget(empty_);
    stack_->addWidget(plot_);
    title_ = new QLabel(this);
    mode_ = new WheelSafeComboBox(this);
    mode_->setObjectName("wiseCurveMode");
    mode_->addItems({tr("ID and OOD mean vs a"), tr("OOD mean vs ID (as in the WiSE-FT paper)")});
    connect(mode_, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    auto* top = new QHBoxLayout;
    top->addWidget(title_, 1);
    top->addWidget(mode_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(stack_, 1);
    showEmpty(tr("Select a compared method to see its WiSE-FT curve."));
}

void WiseCurvePlot::setSweeps(const QString& title, const std::vector<PathSweep>& sweeps,
                              const std::vector<Reference>& references) {
    sweeps_.clear();
    for (const auto& s : sweeps)  // the mean needs the same points in every seed
        if (!s.points.empty() && (sweeps_.empty() || s.points == sweeps_.front().points))
            sweeps_.push_back(s);
    references_ = references;
    if (sweeps_.empty()) return showEmpty(tr("%1 has no WiSE-FT sweep (wise.json).").arg(title));
    mean_ = meanOf(sweeps_);
    const int n = static_cast<int>(sweeps_.size());
    title_->setText(
        tr("<b>%1</b>: WiSE-FT interpolation θ(a) = (1 − a) θ<sub>pre</sub> + a "
           "θ<sub>ft</sub>, %2")
            .arg(title.toHtmlEscaped(), n == 1 ? tr("one seed") : tr("mean of %1 seeds").arg(n)));
    stack_->setCurrentWidget(plot_);
    mode_->setEnabled(true);
    rebuild();
}

void WiseCurvePlot::showEmpty(const QString& text) {
    sweeps_.clear();
    mean_ = PathSweep{};
    empty_->setText(text);
    title_->setText(tr("<b>WiSE-FT curve</b>"));
    mode_->setEnabled(false);
    stack_->setCurrentWidget(empty_);
    plot_->clearPlottables();
    plot_->clearItems();
}

void WiseCurvePlot::setMode(Mode mode) {
    mode_->setCurrentIndex(mode);
}

WiseCurvePlot::Mode WiseCurvePlot::mode() const {
    return static_cast<Mode>(mode_->currentIndex());
}

bool WiseCurvePlot::isEmpty() const {
    return sweeps_.empty();
}

QString WiseCurvePlot::emptyText() const {
    return isEmpty() ? empty_->text() : QString();
}

void WiseCurvePlot::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    // Labels and reference lines take the palette's colours; after the children have theirs.
    if (event->type() == QEvent::PaletteChange) QTimer::singleShot(0, this, [this] { rebuild(); });
}

void WiseCurvePlot::rebuild() {
    plot_->clearPlottables();
    plot_->clearItems();
    if (isEmpty()) return plot_->replot();
    const QColor fg = palette().color(QPalette::Text);
    const bool versusA = mode() == kVersusA;
    const auto& pts = mean_.points;
    const QVector<double> a(pts.begin(), pts.end());
    auto graph = [this](const QVector<double>& x, const QVector<double>& y, const QPen& pen,
                        const QString& name, QCPScatterStyle scatter = {}) {
        auto* g = plot_->addGraph();
        g->setData(x, y, true);
        g->setPen(pen);
        g->setName(name);
        g->setScatterStyle(scatter);
        if (name.isEmpty()) g->removeFromLegend();
        return g;
    };
    auto text = [this, &fg](double x, double y, const QString& s, Qt::Alignment align) {
        auto* t = new QCPItemText(plot_);
        t->position->setCoords(x, y);
        t->setPositionAlignment(align);
        t->setText(s);
        t->setColor(fg);
        t->setFont(QFont(font().family(), 8));
    };
    const bool seeds = sweeps_.size() > 1;
    if (versusA) {
        for (int k = 0; k < 2; ++k) {
            const auto it = mean_.top1.find(kSets[k]);
            if (it == mean_.top1.end()) continue;
            QColor thin = seriesColor(k);
            thin.setAlpha(80);
            for (const auto& s : sweeps_)
                if (seeds && s.top1.count(kSets[k]))
                    graph(a, percent(s.top1.at(kSets[k])), QPen(thin, 1), {});
            graph(a, percent(it->second), QPen(seriesColor(k), 2.5), setName(kSets[k]),
                  QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
            const double y = 100 * valueAt(pts, it->second, mean_.final_point);
            graph({mean_.final_point}, {y}, QPen(fg, 1.5),
                  k == 0 ? tr("final model (a = %1)").arg(mean_.final_point) : QString(),
                  QCPScatterStyle(QCPScatterStyle::ssDiamond, QPen(fg, 1.5), seriesColor(k), 11))
                ->setLineStyle(QCPGraph::lsNone);
        }
        const Qt::PenStyle styles[] = {Qt::DashLine, Qt::DotLine, Qt::DashDotLine};
        for (std::size_t r = 0; r < references_.size(); ++r) {
            const auto& ref = references_[r];
            QPen pen(fg, 1.2, styles[r % 3]);
            graph({0, 1}, {100 * ref.id, 100 * ref.id}, pen, tr("%1 (ID, OOD)").arg(ref.name));
            graph({0, 1}, {100 * ref.ood, 100 * ref.ood}, pen, {});
        }
        plot_->xAxis->setLabel(tr("a (0: pre-trained, 1: fine-tuned)"));
        plot_->yAxis->setLabel(tr("top-1 accuracy (%)"));
    } else {
        const auto id = mean_.top1.find(kIdSet), ood = mean_.top1.find(kOodMean);
        if (id != mean_.top1.end() && ood != mean_.top1.end()) {
            auto curve = [this](const PathSweep& s, const QPen& pen, const QString& name,
                                QCPScatterStyle scatter = {}) {
                auto* c = new QCPCurve(plot_->xAxis, plot_->yAxis);
                c->setData(QVector<double>(s.points.begin(), s.points.end()),
                           percent(s.top1.at(kIdSet)), percent(s.top1.at(kOodMean)));
                c->setPen(pen);
                c->setName(name);
                c->setScatterStyle(scatter);
                if (name.isEmpty()) c->removeFromLegend();
            };
            QColor thin = seriesColor(2);
            thin.setAlpha(80);
            for (const auto& s : sweeps_)
                if (seeds && s.top1.count(kIdSet) && s.top1.count(kOodMean))
                    curve(s, QPen(thin, 1), {});
            curve(mean_, QPen(seriesColor(2), 2.5), tr("WiSE-FT"),
                  QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
            const double fx = 100 * valueAt(pts, id->second, mean_.final_point);
            const double fy = 100 * valueAt(pts, ood->second, mean_.final_point);
            graph({fx}, {fy}, QPen(fg, 1.5), tr("final model (a = %1)").arg(mean_.final_point),
                  QCPScatterStyle(QCPScatterStyle::ssDiamond, QPen(fg, 1.5), seriesColor(2), 11))
                ->setLineStyle(QCPGraph::lsNone);
            text(100 * id->second.front(), 100 * ood->second.front(),
                 tr(" a = %1").arg(pts.front()), Qt::AlignLeft | Qt::AlignBottom);
            text(100 * id->second.back(), 100 * ood->second.back(), tr(" a = %1").arg(pts.back()),
                 Qt::AlignLeft | Qt::AlignBottom);
            const QCPScatterStyle::ScatterShape shapes[] = {
                QCPScatterStyle::ssSquare, QCPScatterStyle::ssTriangle, QCPScatterStyle::ssStar};
            for (std::size_t r = 0; r < references_.size(); ++r) {
                const auto& ref = references_[r];
                const QColor c = seriesColor(3 + static_cast<int>(r));
                graph({100 * ref.id}, {100 * ref.ood}, QPen(c, 1.5), ref.name,
                      QCPScatterStyle(shapes[r % 3], QPen(c, 1.5), c, 10))
                    ->setLineStyle(QCPGraph::lsNone);
            }
        }
        plot_->xAxis->setLabel(tr("ID top-1 (%)"));
        plot_->yAxis->setLabel(tr("OOD mean top-1 (%)"));
    }
    plot_->rescaleAxes();
    for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis}) {
        const QCPRange r = axis->range();
        const double pad = std::max(0.08 * r.size(), versusA && axis == plot_->xAxis ? 0.02 : 0.5);
        axis->setRange(r.lower - pad, r.upper + pad);
    }
    stylePlot(plot_);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace tpgm::ui
