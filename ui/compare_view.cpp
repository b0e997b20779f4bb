// SPDX-License-Identifier: GPL-3.0-or-later
// CompareView: the comparison folder's table, the WiSE-FT curve and the background comparison.
#include "ui/compare_view.h"

#include "config/methods.h"
#include "runs/run_files.h"
#include "runs/set_names.h"
#include "ui/comparison_table.h"
#include "ui/jobs/background_job.h"
#include "ui/jobs/comparison_work.h"
#include "ui/wise_curve_plot.h"

#include <QCheckBox>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <cmath>

namespace tpgm::ui {

QStringList CompareView::offeredEntries() {
    QStringList entries;
    for (const auto& m : methods()) {
        entries << QString::fromStdString(m.name);
        if (!m.compare_variant.empty())
            entries << QString::fromStdString(m.name + "@" + m.compare_variant);
    }
    return entries;
}

QStringList CompareView::defaultEntries() {
    QStringList entries;
    for (const auto& m : methods())
        if (m.compared_by_default) entries << QString::fromStdString(m.name);
    return entries;
}

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
    folder_ = new QLineEdit(this);
    folder_->setObjectName("compareFolder");
    folder_->setPlaceholderText(tr("a folder of <method>-seed<N> run folders"));
    connect(folder_, &QLineEdit::editingFinished, this, &CompareView::refresh);
    auto* browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, &CompareView::browse);
    auto* reread = new QPushButton(tr("Refresh"), this);
    reread->setObjectName("compareRefresh");
    connect(reread, &QPushButton::clicked, this, &CompareView::refresh);
    copy_ = new QPushButton(tr("Copy as Markdown"), this);
    copy_->setObjectName("compareCopy");
    copy_->setToolTip(tr("The table as tpgm-cli compare writes it to compare.md"));
    connect(copy_, &QPushButton::clicked, this, &CompareView::copyMarkdown);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Comparison folder:"), this));
    top->addWidget(folder_, 1);
    top->addWidget(browse);
    top->addWidget(reread);
    top->addWidget(copy_);

    table_ = new ComparisonTable(this);
    connect(table_, &QTableWidget::itemSelectionChanged, this, &CompareView::updateCurve);
    curve_ = new WiseCurvePlot(this);
    split_ = new QSplitter(Qt::Vertical, this);
    split_->addWidget(table_);
    split_->addWidget(curve_);
    split_->setStretchFactor(0, 0);  // the table as tall as its rows (fitTable), the curve the rest
    split_->setStretchFactor(1, 1);
    empty_ = new QLabel(this);
    empty_->setObjectName("compareEmpty");
    empty_->setAlignment(Qt::AlignCenter);
    empty_->setWordWrap(true);
    empty_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    stack_ = new QStackedWidget(this);
    stack_->addWidget(empty_);
    stack_->addWidget(split_);

    auto* methods = new QHBoxLayout;
    methods->addWidget(new QLabel(tr("Run a comparison of"), this));
    for (const QString& entry : offeredEntries()) {
        auto* check = new QCheckBox(ComparisonTable::label(entry), this);
        check->setProperty("entry", entry);
        check->setChecked(defaultEntries().contains(entry));
        connect(check, &QCheckBox::toggled, this, &CompareView::updateButtons);
        entries_.push_back(check);
        methods->addWidget(check);
    }
    methods->addStretch(1);
    seeds_ = new QLineEdit(QStringLiteral("0,1,2"), this);
    seeds_->setObjectName("compareSeeds");
    seeds_->setMaximumWidth(100);
    seeds_->setToolTip(tr("Seeds, comma separated: every ticked method runs once per seed"));
    run_ = new QPushButton(tr("Run comparison"), this);
    run_->setObjectName("compareRun");
    run_->setToolTip(
        tr("Trains every ticked method once per seed on the run setup's config into "
           "the comparison folder (<method>-seed<N>, replacing earlier runs there), "
           "one after the other, then writes compare.md; as tpgm-cli compare"));
    connect(run_, &QPushButton::clicked, this, &CompareView::runComparison);
    cancel_ = new QPushButton(tr("Cancel"), this);
    cancel_->setObjectName("compareCancel");
    connect(cancel_, &QPushButton::clicked, this, &CompareView::cancel);
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setTextVisible(false);
    progress_->setMaximumWidth(160);
    status_ = new QLabel(this);
    status_->setObjectName("compareStatus");
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("over seeds"), this));
    controls->addWidget(seeds_);
    controls->addWidget(run_);
    controls->addWidget(cancel_);
    controls->addWidget(progress_);
    controls->addWidget(status_, 1);

    job_ = new BackgroundJob(QStringLiteral("tpgm-comparison"), this);
    // About ten times a second: "tpgm seed 1 (5 of 12)…" with the current run's step or phase,
    // and the fraction of the whole comparison done, in thousandths.
    connect(job_, &BackgroundJob::progressed, this, [this](const QString& text, qint64 permille) {
        progress_->setValue(static_cast<int>(permille));
        status_->setText(text);
    });

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addWidget(stack_, 1);
    layout->addLayout(methods);
    layout->addLayout(controls);
    refresh();
    updateButtons();
}

void CompareView::setRunsRoot(const QString& root) {
    const QString dir = QDir(root).filePath(QStringLiteral("compare"));
    if (dir == defaultFolder_) return;
    const bool follow = folder().isEmpty() || folder() == defaultFolder_;
    defaultFolder_ = dir;
    if (follow) setFolder(dir);
}

void CompareView::setFolder(const QString& dir) {
    folder_->setText(dir);
    refresh();
}

QString CompareView::folder() const {
    return folder_->text().trimmed();
}

void CompareView::browse() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Comparison folder"), folder());
    if (!dir.isEmpty()) setFolder(dir);
}

void CompareView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    refresh();  // another process (tpgm-cli compare) may have added runs meanwhile
}

void CompareView::fitTable() {
    // Once per row count while shown: the user's splitter position stays otherwise.
    if (!split_->isVisible() || table_->rowCount() == fittedRows_) return;
    fittedRows_ = table_->rowCount();
    const int total = split_->height();
    const int table = std::min(table_->sizeHint().height(), total / 2);
    split_->setSizes({table, total - table});
}

void CompareView::refresh() {
    auto folders = comparison_folders(folder().toStdString());
    comparison_ = compare_runs(folders);
    // Entries without a completed run (one still training, one that failed) are left out, and
    // the table is rebuilt without them so that the baseline is one that has runs.
    decltype(folders) done;
    pendingRuns_ = 0;
    for (const auto& [entry, dirs] : folders) pendingRuns_ += static_cast<int>(dirs.size());
    for (const auto& row : comparison_.rows) pendingRuns_ -= static_cast<int>(row.runs.size());
    for (const auto& row : comparison_.rows)
        if (!row.runs.empty()) done.push_back({row.entry, row.runs});
    if (done.size() != comparison_.rows.size()) comparison_ = compare_runs(done);
    fillTable();
}

void CompareView::fillTable() {
    const QString selected = selectedEntry();
    const QString dir = folder().isEmpty() ? tr("FOLDER") : folder();
    empty_->setText(
        tr("<p><b>No compared runs in %1 yet.</b></p><p>A comparison trains several methods "
           "over the same seeds and puts them side by side: top-1 on every set as mean ± std, "
           "wall time and the cost per step against FT.</p><p>Tick methods and seeds below and "
           "press <b>Run comparison</b>, or from a shell:</p><p><code>tpgm-cli compare -c CONFIG "
           "--methods ft,tpgm,wise --seeds 0,1,2 -o %1</code></p>")
            .arg(dir.toHtmlEscaped()) +
        (pendingRuns_ == 0 ? QString()
         : pendingRuns_ == 1
             ? tr("<p><i>One run folder here has not completed (yet): a comparison may be "
                  "running; press Refresh later.</i></p>")
             : tr("<p><i>%1 run folders here have not completed (yet): a comparison may be "
                  "running; press Refresh later.</i></p>")
                   .arg(pendingRuns_)));
    stack_->setCurrentIndex(comparison_.rows.empty() ? 0 : 1);
    table_->setComparison(comparison_);
    QTimer::singleShot(0, this, &CompareView::fitTable);  // once the splitter has its height
    if (!selectEntry(selected)) {
        // The first entry with a WiSE-FT sweep, so the curve has something to show.
        QString first;
        for (const auto& row : comparison_.rows)
            for (const auto& d : row.runs)
                if (first.isEmpty() && read_path_sweep(d))
                    first = QString::fromStdString(row.entry);
        // Else the first row, whose empty curve says how to get one.
        if (first.isEmpty() && table_->rowCount() > 0) first = table_->entryAt(0);
        if (first.isEmpty() || !selectEntry(first)) updateCurve();
    }
    updateButtons();
}

bool CompareView::selectEntry(const QString& entry) {
    if (!table_->selectEntry(entry)) return false;
    updateCurve();
    return true;
}

QString CompareView::selectedEntry() const {
    return table_->selectedEntry();
}

void CompareView::updateCurve() {
    const std::string entry = selectedEntry().toStdString();
    const ComparisonRow* selected = nullptr;
    std::vector<WiseCurvePlot::Reference> references;
    for (const auto& row : comparison_.rows) {
        if (row.entry == entry) selected = &row;
        const bool ft = row.entry == baseline_method().name;
        const bool variant = is_compare_variant(row.entry);
        if (row.entry == entry || !(ft || variant) || !row.top1.count(kIdSet) ||
            !row.top1.count(kOodMean))
            continue;
        references.push_back(
            {ft ? tr("FT") : ComparisonTable::label(QString::fromStdString(row.entry)),
             row.top1.at(kIdSet).mean, row.top1.at(kOodMean).mean});
    }
    if (!selected) {
        curve_->showEmpty(comparison_.rows.empty()
                              ? tr("No WiSE-FT curve: the folder holds no compared runs.")
                              : tr("Select a row to see its WiSE-FT curve."));
        return;
    }
    std::vector<PathSweep> sweeps;
    for (const auto& d : selected->runs)
        if (auto s = read_path_sweep(d)) sweeps.push_back(std::move(*s));
    const QString label = ComparisonTable::label(QString::fromStdString(selected->entry));
    if (sweeps.empty())
        return curve_->showEmpty(
            tr("%1's runs have no WiSE-FT sweep (wise.json). Compare the wise method (tick "
               "\"wise\" below) and select its row to see accuracy along the interpolation "
               "between the pre-trained and the fine-tuned weights.")
                .arg(label));
    curve_->setSweeps(label, sweeps, references);
}

QString CompareView::markdown() const {
    return QString::fromStdString(comparison_markdown(comparison_));
}

void CompareView::copyMarkdown() {
    QGuiApplication::clipboard()->setText(markdown());
    status_->setText(tr("Copied the table as Markdown (%n row(s)).", nullptr,
                        static_cast<int>(comparison_.rows.size())));
}

bool CompareView::showsEmptyState() const {
    return stack_->currentIndex() == 0;
}

QString CompareView::emptyText() const {
    return showsEmptyState() ? empty_->text() : QString();
}

QString CompareView::statusText() const {
    return status_->text();
}

void CompareView::setPlan(const QStringList& entries, const QString& seeds) {
    for (QCheckBox* check : entries_)
        check->setChecked(entries.contains(check->property("entry").toString()));
    seeds_->setText(seeds);
}

QStringList CompareView::checkedEntries() const {
    QStringList out;
    for (const QCheckBox* check : entries_)
        if (check->isChecked()) out << check->property("entry").toString();
    return out;
}

std::optional<std::vector<int>> CompareView::seeds(QString* why) const {
    std::vector<int> out;
    for (const QString& part :
         seeds_->text().split(QRegularExpression("[,\\s]+"), Qt::SkipEmptyParts)) {
        bool ok = false;
        const int seed = part.toInt(&ok);
        if (!ok || seed < 0) {
            if (why) *why = tr("\"%1\" is not a seed (a whole number, 0 or more)").arg(part);
            return std::nullopt;
        }
        if (std::find(out.begin(), out.end(), seed) == out.end()) out.push_back(seed);
    }
    if (out.empty()) {
        if (why) *why = tr("no seeds: give at least one, e.g. 0,1,2");
        return std::nullopt;
    }
    return out;
}

bool CompareView::runComparison() {
    QString why;
    const auto seedList = seeds(&why);
    std::optional<RunConfig> base;
    if (job_->isRunning())
        why = tr("a comparison is already running");
    else if (checkedEntries().isEmpty())
        why = tr("tick at least one method");
    else if (folder().isEmpty())
        why = tr("choose a comparison folder");
    else if (seedList && !source_)
        why = tr("no run setup to take the config from");
    else if (seedList)
        base = source_(&why);
    if (!base) {
        status_->setText(tr("Cannot run the comparison: %1").arg(why));
        return false;
    }
    ComparisonPlan plan;
    plan.base = *base;
    for (const QString& e : checkedEntries()) plan.entries.push_back(e.toStdString());
    plan.seeds = *seedList;
    plan.out = folder().toStdString();
    return startPlan(plan);
}

bool CompareView::startPlan(const ComparisonPlan& plan) {
    if (plan.entries.empty() || plan.seeds.empty()) return false;
    // Posted to the UI thread after each run: a completed run reads as a finished run, so the
    // table shows it while the rest trains.
    std::function<void()> onRun = [this] {
        if (folder() == runningFolder_) refresh();
    };
    const bool started =
        job_->start([plan, onRun](JobContext& job) { compare_in_job(plan, job, onRun); },
                    [this](BackgroundJob::Outcome outcome, const QString& error) {
                        onFinished(BackgroundJob::errorText(outcome, error));
                    });
    if (!started) return false;
    runningFolder_ = QString::fromStdString(plan.out);
    progress_->setValue(0);
    updateButtons();
    emit comparisonStarted();
    return true;
}

bool CompareView::comparing() const {
    return job_ && job_->isRunning();
}

void CompareView::cancel() {
    if (!job_->isRunning()) return;
    job_->cancel();
    status_->setText(tr("Cancelling: the current run stops at its next step…"));
}

void CompareView::onFinished(const QString& error) {
    if (folder() == runningFolder_) refresh();
    progress_->setValue(error.isEmpty() ? 1000 : progress_->value());
    status_->setText(error.isEmpty() ? tr("Comparison finished: the table is in %1")
                                           .arg(QDir(runningFolder_).filePath("compare.md"))
                     : error == BackgroundJob::kCancelled
                         ? tr("Comparison cancelled; the runs that completed are in the table.")
                         : tr("Comparison failed: %1").arg(error));
    updateButtons();
    emit comparisonFinished(runningFolder_, error);
}

void CompareView::updateButtons() {
    const bool busy = comparing();
    run_->setEnabled(!busy && !checkedEntries().isEmpty());
    cancel_->setEnabled(busy);
    progress_->setVisible(busy || progress_->value() > 0);
    for (QCheckBox* check : entries_) check->setEnabled(!busy);
    seeds_->setEnabled(!busy);
    folder_->setEnabled(!busy);
    copy_->setEnabled(!comparison_.rows.empty());
}

}  // namespace tpgm::ui
