#include "ui/setup_panel.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QStyle>
#include <QVBoxLayout>

namespace tpgm::ui {

namespace {
QString docOf(const QString& key) {
    for (const auto& f : config_fields())
        if (QString::fromStdString(f.key) == key) return QString::fromStdString(f.doc);
    return {};
}

QString join(const std::vector<std::string>& items, const QString& sep) {
    QStringList out;
    for (const auto& s : items) out << QString::fromStdString(s);
    return out.join(sep);
}
}  // namespace

SetupPanel::SetupPanel(QWidget* parent) : QWidget(parent) {
    auto* inner = new QWidget;
    auto* column = new QVBoxLayout(inner);
    auto group = [&](const QString& title) {
        auto* box = new QGroupBox(title, inner);
        auto* form = new QFormLayout(box);
        form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        form->setVerticalSpacing(3);
        column->addWidget(box);
        return box;
    };

    QGroupBox* model = group(tr("Model and data"));
    QLineEdit* ckpt = addLine(model, "pretrained", tr("Checkpoint"));
    ckpt->setPlaceholderText(tr("demo backbone (pre-trained on coarse groups)"));
    QAction* browse =
        ckpt->addAction(style()->standardIcon(QStyle::SP_DirOpenIcon), QLineEdit::TrailingPosition);
    browse->setToolTip(tr("Choose a checkpoint file"));
    connect(browse, &QAction::triggered, this, [this, ckpt] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Pre-trained checkpoint"), ckpt->text(),
            tr("Checkpoints (*.pt *.pth *.safetensors);;All files (*)"));
        if (!path.isEmpty()) ckpt->setText(path);
    });
    addLine(model, "model", tr("Architecture"));
    addCombo(model, "data", tr("Data"), {{"demo", tr("Demo benchmark (Fashion-MNIST shift)")}});
    addLine(model, "demo.corruptions", tr("OOD corruptions"))
        ->setToolTip(tr("Comma-separated ImageNet-C corruptions evaluated as OOD sets (besides "
                        "sketch and hard)"));
    addLine(model, "demo.severities", tr("OOD severities"));

    QGroupBox* method = group(tr("Method"));
    QComboBox* m = addCombo(method, "method", tr("Method"),
                            {{"tpgm", tr("TPGM (trainable projection)")},
                             {"ft", tr("Vanilla fine-tuning")},
                             {"lp", tr("Linear probe (backbone frozen)")}});
    tpgmBox_ = group(tr("TPGM projection"));
    addCombo(tpgmBox_, "tpgm.norm", tr("Norm"),
             {{"mars", tr("MARS (per output row)")}, {"l2", tr("L2 (whole tensor)")}});
    addLine(tpgmBox_, "tpgm.proj_freq", tr("Update every (steps)"));
    addLine(tpgmBox_, "tpgm.max_iters", tr("Radius steps / update"));
    addLine(tpgmBox_, "tpgm.proj_lr", tr("Radius learning rate"));
    addLine(tpgmBox_, "tpgm.exclude", tr("Exclude (regexes)"))
        ->setToolTip(tr("Space-separated regular expressions of parameter names left unconstrained "
                        "(the new head)"));
    addCheck(tpgmBox_, "tpgm.post_hoc", tr("Post-hoc projection"));
    connect(m, &QComboBox::currentIndexChanged, this,
            [this, m] { tpgmBox_->setVisible(m->currentData().toString() == "tpgm"); });

    QGroupBox* optim = group(tr("Optimiser"));
    addCombo(optim, "optim.name", tr("Optimiser"), {{"sgd", "SGD"}, {"adamw", "AdamW"}});
    addLine(optim, "optim.lr", tr("Learning rate"));
    addLine(optim, "optim.momentum", tr("Momentum"));
    addLine(optim, "optim.weight_decay", tr("Weight decay"));
    addCombo(optim, "optim.schedule", tr("Schedule"),
             {{"cosine", tr("cosine")}, {"constant", tr("constant")}});

    QGroupBox* train = group(tr("Training"));
    addLine(train, "epochs", tr("Epochs"));
    addLine(train, "batch_size", tr("Batch size"));
    addLine(train, "eval_every_epochs", tr("Evaluate every (epochs)"));
    addCheck(train, "freeze_bn", tr("Freeze BatchNorm statistics"));
    addCombo(train, "device", tr("Device"),
             {{"auto", tr("auto (CUDA if available)")}, {"cpu", "CPU"}, {"cuda", "CUDA"}});
    addLine(train, "threads", tr("Threads (0 = all)"));
    addLine(train, "seed", tr("Seed"));

    QGroupBox* out = group(tr("Run folder"));
    addLine(out, "run_dir", tr("Runs folder"));
    runName_ = new QLineEdit(out);
    runName_->setObjectName("runName");
    runName_->setPlaceholderText(tr("automatic: <method>-<date>-<time>"));
    static_cast<QFormLayout*>(out->layout())->addRow(tr("Run name"), runName_);

    general_ = new QLabel(inner);
    general_->setObjectName("generalErrors");
    general_->setWordWrap(true);
    general_->setStyleSheet("color: #e0443e;");
    general_->hide();
    column->addWidget(general_);
    column->addStretch(1);

    auto* scroll = new QScrollArea(this);
    scroll->setWidget(inner);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    inner->setMinimumWidth(inner->sizeHint().width());
    setMinimumWidth(inner->minimumWidth() + scroll->verticalScrollBar()->sizeHint().width() + 4);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(scroll);
    RunConfig defaults;
    defaults.run_dir = "runs/latest";
    setConfig(defaults);
}

void SetupPanel::addRow(QWidget* box, const QString& key, const QString& label, QWidget* field) {
    field->setObjectName("field:" + key);
    field->setToolTip(docOf(key) + "\n(" + key + ")");
    auto* cell = new QWidget(box);
    auto* v = new QVBoxLayout(cell);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(1);
    v->addWidget(field);
    auto* error = new QLabel(cell);
    error->setObjectName("error:" + key);
    error->setWordWrap(true);
    error->setStyleSheet("color: #e0443e; font-size: small;");
    error->hide();
    v->addWidget(error);
    static_cast<QFormLayout*>(box->layout())->addRow(label, cell);
    fields_[key] = field;
    errors_[key] = error;
}

QLineEdit* SetupPanel::addLine(QWidget* box, const QString& key, const QString& label) {
    auto* e = new QLineEdit(box);
    addRow(box, key, label, e);
    connect(e, &QLineEdit::textChanged, this, &SetupPanel::revalidate);
    return e;
}

QComboBox* SetupPanel::addCombo(QWidget* box, const QString& key, const QString& label,
                                const std::vector<std::pair<QString, QString>>& items) {
    auto* c = new QComboBox(box);
    for (const auto& [value, text] : items) c->addItem(text, value);
    addRow(box, key, label, c);
    connect(c, &QComboBox::currentIndexChanged, this, &SetupPanel::revalidate);
    return c;
}

QCheckBox* SetupPanel::addCheck(QWidget* box, const QString& key, const QString& label) {
    auto* c = new QCheckBox(box);
    addRow(box, key, label, c);
    connect(c, &QCheckBox::toggled, this, &SetupPanel::revalidate);
    return c;
}

QWidget* SetupPanel::field(const QString& key) const {
    auto it = fields_.find(key);
    return it == fields_.end() ? nullptr : it->second;
}

QLabel* SetupPanel::errorLabel(const QString& key) const {
    auto it = errors_.find(key);
    return it == errors_.end() ? nullptr : it->second;
}

void SetupPanel::setEditable(bool editable) {
    for (auto& [key, w] : fields_) w->setEnabled(editable);
    runName_->setEnabled(editable);
}

QString SetupPanel::runsRoot() const {
    const QString root = static_cast<QLineEdit*>(fields_.at("run_dir"))->text().trimmed();
    return root.isEmpty() ? QStringLiteral("runs") : root;
}

void SetupPanel::setConfig(const RunConfig& c) {
    loading_ = true;
    base_ = c;
    auto line = [&](const char* key, const QString& text) {
        static_cast<QLineEdit*>(fields_.at(key))->setText(text);
    };
    auto combo = [&](const char* key, const std::string& value) {
        auto* box = static_cast<QComboBox*>(fields_.at(key));
        int i = box->findData(QString::fromStdString(value));
        if (i < 0) {
            box->addItem(QString::fromStdString(value), QString::fromStdString(value));
            i = box->count() - 1;
        }
        box->setCurrentIndex(i);
    };
    auto check = [&](const char* key, bool on) {
        static_cast<QCheckBox*>(fields_.at(key))->setChecked(on);
    };
    auto num = [](double v) { return QString::number(v, 'g', 6); };
    line("pretrained", QString::fromStdString(c.pretrained));
    line("model", QString::fromStdString(c.model));
    combo("data", c.data);
    line("demo.corruptions", join(c.demo.corruptions, ", "));
    QStringList sev;
    for (int s : c.demo.severities) sev << QString::number(s);
    line("demo.severities", sev.join(", "));
    combo("method", c.method);
    combo("tpgm.norm", c.tpgm.norm);
    line("tpgm.proj_freq", QString::number(c.tpgm.proj_freq));
    line("tpgm.max_iters", QString::number(c.tpgm.max_iters));
    line("tpgm.proj_lr", num(c.tpgm.proj_lr));
    line("tpgm.exclude", join(c.tpgm.exclude, " "));
    check("tpgm.post_hoc", c.tpgm.post_hoc);
    combo("optim.name", c.optim.name);
    line("optim.lr", num(c.optim.lr));
    line("optim.momentum", num(c.optim.momentum));
    line("optim.weight_decay", num(c.optim.weight_decay));
    combo("optim.schedule", c.optim.schedule);
    line("epochs", QString::number(c.epochs));
    line("batch_size", QString::number(c.batch_size));
    line("eval_every_epochs", QString::number(c.eval_every_epochs));
    check("freeze_bn", c.freeze_bn);
    combo("device", c.device);
    line("threads", QString::number(c.threads));
    line("seed", QString::number(c.seed));
    // The engine's default "runs/latest" becomes a fresh, automatically named folder per run.
    const QString dir = QString::fromStdString(c.run_dir);
    if (dir.isEmpty() || dir == "runs/latest") {
        line("run_dir", "runs");
        runName_->clear();
    } else {
        const QFileInfo info(dir);
        line("run_dir", info.path() == "." && !dir.startsWith("./") ? QString() : info.path());
        runName_->setText(info.fileName());
    }
    tpgmBox_->setVisible(c.method == "tpgm");
    loading_ = false;
    revalidate();
}

RunConfig SetupPanel::build(std::vector<ConfigIssue>* parseIssues) const {
    RunConfig c = base_;
    auto text = [&](const char* key) {
        return static_cast<QLineEdit*>(fields_.at(key))->text().trimmed();
    };
    auto combo = [&](const char* key) {
        return static_cast<QComboBox*>(fields_.at(key))->currentData().toString().toStdString();
    };
    auto check = [&](const char* key) {
        return static_cast<QCheckBox*>(fields_.at(key))->isChecked();
    };
    auto integer = [&](const char* key, auto& target) {
        bool ok = false;
        const qlonglong v = text(key).toLongLong(&ok);
        if (ok)
            target = static_cast<std::remove_reference_t<decltype(target)>>(v);
        else
            parseIssues->push_back(
                {key, "'" + text(key).toStdString() + "' is not a whole number"});
    };
    auto real = [&](const char* key, double& target) {
        bool ok = false;
        const double v = text(key).toDouble(&ok);
        if (ok)
            target = v;
        else
            parseIssues->push_back({key, "'" + text(key).toStdString() + "' is not a number"});
    };
    auto list = [&](const char* key, const QString& sep) {
        std::vector<std::string> out;
        for (const QString& s : text(key).split(QRegularExpression(sep), Qt::SkipEmptyParts))
            out.push_back(s.trimmed().toStdString());
        return out;
    };
    c.pretrained = text("pretrained").toStdString();
    c.model = text("model").toStdString();
    c.data = combo("data");
    c.demo.corruptions = list("demo.corruptions", "[,\\s]+");
    c.demo.severities.clear();
    for (const auto& s : list("demo.severities", "[,\\s]+")) {
        bool ok = false;
        const int v = QString::fromStdString(s).toInt(&ok);
        if (ok)
            c.demo.severities.push_back(v);
        else
            parseIssues->push_back({"demo.severities", "'" + s + "' is not a whole number"});
    }
    c.method = combo("method");
    c.tpgm.norm = combo("tpgm.norm");
    integer("tpgm.proj_freq", c.tpgm.proj_freq);
    integer("tpgm.max_iters", c.tpgm.max_iters);
    real("tpgm.proj_lr", c.tpgm.proj_lr);
    c.tpgm.exclude = list("tpgm.exclude", "\\s+");
    c.tpgm.post_hoc = check("tpgm.post_hoc");
    c.optim.name = combo("optim.name");
    real("optim.lr", c.optim.lr);
    real("optim.momentum", c.optim.momentum);
    real("optim.weight_decay", c.optim.weight_decay);
    c.optim.schedule = combo("optim.schedule");
    integer("epochs", c.epochs);
    integer("batch_size", c.batch_size);
    integer("eval_every_epochs", c.eval_every_epochs);
    c.freeze_bn = check("freeze_bn");
    c.device = combo("device");
    integer("threads", c.threads);
    integer("seed", c.seed);
    QString name = runName_->text().trimmed();
    if (name.isEmpty())
        name = QString::fromStdString(c.method) + "-" +
               QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss");
    const QString root = text("run_dir");
    c.run_dir = (root.isEmpty() ? name : QDir(root).filePath(name)).toStdString();
    return c;
}

RunConfig SetupPanel::config() const {
    std::vector<ConfigIssue> ignored;
    return build(&ignored);
}

std::vector<ConfigIssue> SetupPanel::issues() const {
    std::vector<ConfigIssue> out;
    const RunConfig c = build(&out);
    for (auto& i : validate(c)) {
        // A key that failed to parse keeps its parse message only.
        const bool dup = std::any_of(out.begin(), out.end(),
                                     [&](const ConfigIssue& p) { return p.key == i.key; });
        if (!dup) out.push_back(i);
    }
    return out;
}

void SetupPanel::revalidate() {
    if (loading_) return;
    const auto found = issues();
    std::map<QString, QStringList> byKey;
    QStringList general;
    for (const auto& i : found) {
        const QString key = QString::fromStdString(i.key);
        if (errors_.count(key))
            byKey[key] << QString::fromStdString(i.message);
        else
            general << key + ": " + QString::fromStdString(i.message);
    }
    for (auto& [key, label] : errors_) {
        auto it = byKey.find(key);
        label->setVisible(it != byKey.end());
        label->setText(it == byKey.end() ? QString() : it->second.join("\n"));
        fields_[key]->setStyleSheet(
            it == byKey.end() ? QString() : QStringLiteral("border: 1px solid #e0443e;"));
    }
    general_->setVisible(!general.isEmpty());
    general_->setText(general.join("\n"));
    const bool valid = found.empty();
    if (valid != valid_) {
        valid_ = valid;
        emit validityChanged(valid);
    }
}

}  // namespace tpgm::ui
