// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/fork_dialog.h"

#include "config/config_schema.h"
#include "engine/fork.h"
#include "runs/run_paths.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace tpgm::ui {

ForkDialog::ForkDialog(const QString& parentDir, const RunConfig& wanted, QWidget* parent)
    : QDialog(parent), parentDir_(parentDir) {
    setWindowTitle(tr("Fork %1").arg(QFileInfo(parentDir).fileName()));
    const RunPaths paths(parentDir.toStdString());
    step_ = new QComboBox(this);
    step_->setObjectName("forkStep");
    step_->addItem(tr("last checkpoint"), QVariant());
    const std::vector<int64_t> steps = paths.step_checkpoints();
    for (auto it = steps.rbegin(); it != steps.rend(); ++it)
        step_->addItem(tr("step %1").arg(*it), QVariant::fromValue<qlonglong>(*it));
    runDir_ = new QLineEdit(this);
    runDir_->setObjectName("forkRunDir");
    runDir_->setPlaceholderText(tr("%1-fork-<step>").arg(parentDir));

    changes_ = new QListWidget(this);
    changes_->setObjectName("forkChanges");
    std::string keptKeys;
    try {
        const RunConfig base = load_config_file(paths.config());
        for (const auto& [key, change] : config_differences(base, wanted)) {
            if (key == "run_dir" || key == "resume" || key == "overwrite") continue;
            if (!changeable_in_fork(key)) {
                keptKeys += (keptKeys.empty() ? "" : ", ") + key;
                continue;
            }
            auto* item = new QListWidgetItem(QString::fromStdString(key + ": " + change), changes_);
            item->setData(Qt::UserRole,
                          QString::fromStdString(key + "=" + field_value_yaml(wanted, key)));
            item->setCheckState(Qt::Checked);
        }
    } catch (const std::exception& e) {
        keptKeys = e.what();
    }
    if (changes_->count() == 0)
        new QListWidgetItem(tr("(none: the setup panel matches the run; the fork retraces it)"),
                            changes_);
    kept_ = new QLabel(keptKeys.empty() ? QString()
                                        : tr("Kept from the parent (its trained state depends on "
                                             "them): %1")
                                              .arg(QString::fromStdString(keptKeys)),
                       this);
    kept_->setWordWrap(true);
    error_ = new QLabel(this);
    error_->setObjectName("forkError");
    error_->setWordWrap(true);
    error_->setStyleSheet("color: #c0392b");
    error_->hide();

    auto* form = new QFormLayout;
    form->addRow(tr("Start from"), step_);
    form->addRow(tr("New run folder"), runDir_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Fork and start"));
    connect(buttons, &QDialogButtonBox::accepted, this, &ForkDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ForkDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Settings the fork changes (from the setup panel):"), this));
    layout->addWidget(changes_);
    layout->addWidget(kept_);
    layout->addWidget(error_);
    layout->addWidget(buttons);
}

std::vector<std::string> ForkDialog::overrides() const {
    std::vector<std::string> out;
    for (int i = 0; i < changes_->count(); ++i) {
        const QListWidgetItem* item = changes_->item(i);
        const QString kv = item->data(Qt::UserRole).toString();
        if (!kv.isEmpty() && item->checkState() == Qt::Checked) out.push_back(kv.toStdString());
    }
    return out;
}

void ForkDialog::accept() {
    ForkRequest request;
    request.parent = parentDir_.toStdString();
    if (step_->currentData().isValid()) request.step = step_->currentData().toLongLong();
    request.run_dir = runDir_->text().trimmed().toStdString();
    request.overrides = overrides();
    try {
        prepared_ = prepare_fork(request);
        validate_or_throw(prepared_);
    } catch (const std::exception& e) {
        error_->setText(QString::fromUtf8(e.what()));
        error_->show();
        return;
    }
    QDialog::accept();
}

}  // namespace tpgm::ui
