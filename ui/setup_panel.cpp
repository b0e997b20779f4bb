// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/setup_panel.h"

#include "config/data_sources.h"
#include "config/methods.h"
#include "facade/checkpoint_report.h"
#include "ui/collapsible_section.h"
#include "ui/form_widgets.h"
#include "ui/jobs/background_job.h"
#include "ui/ood_set_editor.h"
#include "ui/run_naming.h"
#include "ui/setup_texts.h"

#include <yaml-cpp/yaml.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <memory>

namespace tpgm::ui {

namespace {

constexpr double kUnbounded = 1e299;
bool is_list(FieldType t) {
    return t == FieldType::TextList || t == FieldType::IntList || t == FieldType::RealList;
}

bool spin_for(const ConfigFieldInfo& f) {
    return f.type == FieldType::Int && f.min > -kUnbounded;
}

std::string quoted(const QString& text) {
    std::string out = "\"";
    for (char ch : text.toStdString()) {
        if (ch == '\\' || ch == '"') out += '\\';
        if (ch == '\n') {
            out += "\\n";
            continue;
        }
        out += ch;
    }
    return out + "\"";
}

// The shortest text that reads back as the same double (YAML writes 0.05 as 0.050000000000000003).
QString real_text(const YAML::Node& node) {
    double v = 0;
    try {
        v = node.as<double>();
    } catch (const YAML::Exception&) {
        return QString::fromStdString(node.as<std::string>());
    }
    for (int digits : {6, 15, 17}) {
        const QString text = QString::number(v, 'g', digits);
        if (text.toDouble() == v) return text;
    }
    return QString::number(v, 'g', 17);
}

QString range_text(const ConfigFieldInfo& f) {
    if (f.type != FieldType::Int && f.type != FieldType::Real) return {};
    const bool lo = f.min > -kUnbounded, hi = f.max < kUnbounded;
    if (lo && hi) return QObject::tr("range %1 … %2").arg(f.min).arg(f.max);
    if (lo) return QObject::tr("at least %1").arg(f.min);
    if (hi) return QObject::tr("at most %1").arg(f.max);
    return {};
}

}  // namespace

SetupPanel::SetupPanel(QWidget* parent)
    : QWidget(parent),
      reportJob_(new BackgroundJob(QStringLiteral("tpgm-checkpoint-report"), this)) {
    auto* inner = new QWidget;
    column_ = new QVBoxLayout(inner);
    column_->setSpacing(4);

    // Sections in panel order; each key of the schema gets a row in its own.
    std::vector<QString> order;
    for (const auto& [id, title] : known_sections()) order.push_back(id);
    for (const auto& f : config_fields()) {
        const QString id = section_id(f);
        if (std::find(order.begin(), order.end(), id) == order.end()) order.push_back(id);
    }
    for (const QString& id : order) {
        QString title = id;
        for (const auto& [known, t] : known_sections())
            if (known == id) title = t;
        if (title.isEmpty()) title = id;
        title[0] = title[0].toUpper();
        auto* section = new CollapsibleSection(title, !collapsed_by_default(id), inner);
        section->setObjectName("section:" + (id.isEmpty() ? QStringLiteral("training") : id));
        sections_[id] = section;
        column_->addWidget(section);
    }
    for (const std::string& key : important_keys())
        if (const ConfigFieldInfo* f = find_config_field(key))
            addField(*f, sections_[kRunSection], kRunSection);
    for (const auto& f : config_fields()) {
        const QString id = section_id(f);
        if (id != kRunSection) addField(f, sections_[id], id);
    }
    for (auto it = sections_.begin(); it != sections_.end();) {
        if (it->second->form()->rowCount() == 0) {
            delete it->second;
            it = sections_.erase(it);
        } else {
            ++it;
        }
    }

    general_ = new QLabel(inner);
    general_->setObjectName("generalErrors");
    general_->setWordWrap(true);
    general_->setStyleSheet("color: #e0443e;");
    general_->hide();
    column_->addWidget(general_);
    column_->addStretch(1);

    auto* scroll = new QScrollArea(this);
    scroll->setWidget(inner);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    inner->setMinimumWidth(300);
    setMinimumWidth(inner->minimumWidth() + scroll->verticalScrollBar()->sizeHint().width() + 4);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(scroll);

    reportTimer_.setSingleShot(true);
    reportTimer_.setInterval(300);
    connect(&reportTimer_, &QTimer::timeout, this, &SetupPanel::startReport);

    // The run name follows the method ("demo-tpgm" becomes "demo-lp"): a linear probe filed
    // under "tpgm" misleads, and the old name would be taken anyway.
    auto* method = static_cast<QComboBox*>(fields_.at("method"));
    connect(method, &QComboBox::currentIndexChanged, this, [this, method] {
        const QString now = method->currentData().toString();
        if (!loading_) runName_->setText(renameForMethod(runName_->text(), method_, now));
        method_ = now;
    });
    RunConfig defaults;
    defaults.run_dir = "runs/latest";
    setConfig(defaults);
}

QWidget* SetupPanel::makeEditor(const ConfigFieldInfo& f, QWidget* parent, QWidget** cell) {
    const QString key = QString::fromStdString(f.key);
    QWidget* editor = nullptr;
    *cell = nullptr;
    switch (f.type) {
        case FieldType::Bool: {
            auto* c = new QCheckBox(parent);
            connect(c, &QCheckBox::toggled, this, &SetupPanel::revalidate);
            editor = c;
            break;
        }
        case FieldType::Choice: {
            auto* c = new WheelSafeComboBox(parent);
            for (const auto& v : f.choices)
                c->addItem(choice_text(f.key, v), QString::fromStdString(v));
            connect(c, &QComboBox::currentIndexChanged, this, &SetupPanel::revalidate);
            editor = c;
            break;
        }
        case FieldType::SetList: {
            auto* e = new OodSetEditor(parent);
            connect(e, &OodSetEditor::changed, this, &SetupPanel::revalidate);
            ood_ = e;
            editor = e;
            break;
        }
        case FieldType::Int:
            if (spin_for(f)) {
                auto* s = new WheelSafeSpinBox(parent);
                s->setRange(static_cast<int>(std::max<double>(f.min, INT_MIN)),
                            static_cast<int>(std::min<double>(f.max, INT_MAX)));
                s->setAccelerated(true);
                connect(s, &QSpinBox::valueChanged, this, &SetupPanel::revalidate);
                editor = s;
                break;
            }
            [[fallthrough]];
        default: {
            auto* e = new QLineEdit(parent);
            connect(e, &QLineEdit::textChanged, this, &SetupPanel::revalidate);
            if (is_list(f.type)) e->setPlaceholderText(tr("comma-separated"));
            editor = e;
            if (f.type == FieldType::File || f.type == FieldType::Folder) {
                auto* box = new QWidget(parent);
                auto* h = new QHBoxLayout(box);
                h->setContentsMargins(0, 0, 0, 0);
                h->setSpacing(3);
                e->setParent(box);
                h->addWidget(e, 1);
                auto* browse = new QToolButton(box);
                browse->setText(tr("Browse…"));
                browse->setObjectName("browse:" + key);
                browse->setToolTip(f.type == FieldType::Folder ? tr("Choose a folder")
                                                               : tr("Choose a file"));
                h->addWidget(browse);
                const bool isFolder = f.type == FieldType::Folder;
                connect(browse, &QToolButton::clicked, this, [this, e, isFolder, key] {
                    QString filter = tr("All files (*)");
                    if (key == "pretrained")
                        filter = tr("Checkpoints (*.pt *.pth *.bin *.safetensors);;All files (*)");
                    else if (key.startsWith("lists."))
                        filter = tr("Lists (*.txt);;All files (*)");
                    const QString path =
                        isFolder ? QFileDialog::getExistingDirectory(this, key, e->text())
                                 : QFileDialog::getOpenFileName(this, key, e->text(), filter);
                    if (!path.isEmpty()) e->setText(path);
                });
                *cell = box;
            }
        }
    }
    if (!*cell) *cell = editor;
    return editor;
}

void SetupPanel::addField(const ConfigFieldInfo& f, CollapsibleSection* section,
                          const QString& sectionId) {
    const QString key = QString::fromStdString(f.key);
    auto* holder = new QWidget(section);
    QWidget* cell = nullptr;
    QWidget* editor = makeEditor(f, holder, &cell);
    editor->setObjectName("field:" + key);
    QString tip = QString::fromStdString(f.doc);
    if (const QString range = range_text(f); !range.isEmpty()) tip += " (" + range + ")";
    tip += "\n(" + key + ")";
    editor->setToolTip(tip);
    auto* v = new QVBoxLayout(holder);
    v->setContentsMargins(0, 0, 0, 0);
    v->setSpacing(1);
    if (f.key == "data") {
        // The data source with the button that shows what it loads.
        auto* row = new QWidget(holder);
        auto* h = new QHBoxLayout(row);
        h->setContentsMargins(0, 0, 0, 0);
        h->setSpacing(3);
        cell->setParent(row);
        h->addWidget(cell, 1);
        preview_ = new QPushButton(tr("Preview…"), row);
        preview_->setObjectName("previewData");
        preview_->setToolTip(
            tr("Load the sets of this config and show sample images with their "
               "labels (Data preview tab)"));
        connect(preview_, &QPushButton::clicked, this, &SetupPanel::previewRequested);
        h->addWidget(preview_);
        v->addWidget(row);
    } else {
        v->addWidget(cell);
    }
    if (f.key == "pretrained") {
        report_ = new QLabel(holder);
        report_->setObjectName("checkpointReport");
        report_->setWordWrap(true);
        report_->setTextInteractionFlags(Qt::TextSelectableByMouse);
        report_->setStyleSheet("font-size: small;");
        v->addWidget(report_);
        static_cast<QLineEdit*>(editor)->setPlaceholderText(
            tr("demo backbone (pre-trained on coarse groups)"));
    }
    auto* error = new QLabel(holder);
    error->setObjectName("error:" + key);
    error->setWordWrap(true);
    error->setStyleSheet("color: #e0443e; font-size: small;");
    error->hide();
    v->addWidget(error);
    auto* label = new QLabel(label_for(f.key), section);
    label->setToolTip(tip);
    if (f.type == FieldType::SetList) {
        // Too wide for a form's field column: the table spans the row.
        section->form()->addRow(holder);
        label->deleteLater();
    } else {
        section->form()->addRow(label, holder);
    }
    fields_[key] = editor;
    errors_[key] = error;
    sectionOf_[key] = sectionId;
    editors_.push_back({f, editor, cell, sectionId});
    if (f.key == "run_dir") {
        runName_ = new QLineEdit(section);
        runName_->setObjectName("runName");
        runName_->setPlaceholderText(tr("automatic: <method>-<date>-<time>"));
        runName_->setToolTip(tr("The run's folder under the runs folder"));
        connect(runName_, &QLineEdit::textChanged, this, &SetupPanel::revalidate);
        section->form()->addRow(tr("Run name"), runName_);
        static_cast<QLineEdit*>(editor)->setPlaceholderText(tr("runs"));
    }
}

QWidget* SetupPanel::field(const QString& key) const {
    if (key.startsWith("ood[")) return ood_;
    auto it = fields_.find(key);
    return it == fields_.end() ? nullptr : it->second;
}

QLabel* SetupPanel::errorLabel(const QString& key) const {
    auto it = errors_.find(key.startsWith("ood[") ? QStringLiteral("ood") : key);
    return it == errors_.end() ? nullptr : it->second;
}

bool SetupPanel::isFieldShown(const QString& key) const {
    auto it = sectionOf_.find(key.startsWith("ood[") ? QStringLiteral("ood") : key);
    if (it == sectionOf_.end()) return false;
    auto s = sections_.find(it->second);
    return s != sections_.end() && !s->second->isHidden();
}

void SetupPanel::setEditable(bool editable) {
    for (const auto& e : editors_) e.cell->setEnabled(editable);
    runName_->setEnabled(editable);
}

QString SetupPanel::runsRoot() const {
    const QString root = static_cast<QLineEdit*>(fields_.at("run_dir"))->text().trimmed();
    return root.isEmpty() ? QStringLiteral("runs") : root;
}

bool SetupPanel::automaticRunName() const {
    return runName_->text().trimmed().isEmpty();
}

void SetupPanel::setValue(const Editor& e, const RunConfig& c) {
    const std::string& key = e.info.key;
    if (e.info.type == FieldType::SetList) {
        ood_->setSets(c.ood);
        return;
    }
    if (key == "run_dir") {
        // The engine's default "runs/latest" becomes a fresh, automatically named folder per run.
        auto* line = static_cast<QLineEdit*>(e.widget);
        const QString dir = QString::fromStdString(c.run_dir);
        if (dir.isEmpty() || QFileInfo(dir).fileName() == "latest") {
            line->setText(dir.isEmpty() ? QStringLiteral("runs") : QFileInfo(dir).path());
            runName_->clear();
        } else {
            const QFileInfo info(dir);
            line->setText(info.path() == "." && !dir.startsWith("./") ? QString() : info.path());
            runName_->setText(info.fileName());
        }
        return;
    }
    const std::string yaml = field_value_yaml(c, key);
    YAML::Node node;
    try {
        node = YAML::Load(yaml);
    } catch (const YAML::Exception&) {
        return;
    }
    auto scalar = [&] {
        return node.IsScalar() ? QString::fromStdString(node.as<std::string>()) : QString();
    };
    if (auto* combo = qobject_cast<QComboBox*>(e.widget)) {
        const QString value = scalar();
        int i = combo->findData(value);
        if (i < 0) {
            combo->addItem(value, value);
            i = combo->count() - 1;
        }
        combo->setCurrentIndex(i);
    } else if (auto* check = qobject_cast<QCheckBox*>(e.widget)) {
        check->setChecked(node.IsScalar() && node.as<bool>(false));
    } else if (auto* spin = qobject_cast<QSpinBox*>(e.widget)) {
        spin->setValue(static_cast<int>(
            std::clamp<long long>(node.as<long long>(0), spin->minimum(), spin->maximum())));
    } else if (auto* line = qobject_cast<QLineEdit*>(e.widget)) {
        if (is_list(e.info.type) && node.IsSequence()) {
            QStringList items;
            bool plain = true;
            for (const auto& item : node) {
                const QString s = e.info.type == FieldType::RealList
                                      ? real_text(item)
                                      : QString::fromStdString(item.as<std::string>());
                plain = plain && !s.contains(',') && !s.startsWith('[');
                items << s;
            }
            line->setText(plain ? items.join(", ") : QString::fromStdString(yaml));
        } else if (e.info.type == FieldType::Real && node.IsScalar()) {
            line->setText(real_text(node));
        } else {
            line->setText(scalar());
        }
    }
}

void SetupPanel::setConfig(const RunConfig& c) {
    loading_ = true;
    base_ = c;
    for (const auto& e : editors_) setValue(e, c);
    method_ = QString::fromStdString(c.method);
    loading_ = false;
    revalidate();
}

bool SetupPanel::overrideValue(const Editor& e, std::string* value, std::string* problem) const {
    const FieldType type = e.info.type;
    if (auto* combo = qobject_cast<QComboBox*>(e.widget)) {
        *value = quoted(combo->currentData().toString());
        return true;
    }
    if (auto* check = qobject_cast<QCheckBox*>(e.widget)) {
        *value = check->isChecked() ? "true" : "false";
        return true;
    }
    if (auto* spin = qobject_cast<QSpinBox*>(e.widget)) {
        *value = std::to_string(spin->value());
        return true;
    }
    auto* line = qobject_cast<QLineEdit*>(e.widget);
    if (!line) return false;
    const QString text = line->text().trimmed();
    auto whole = [](const QString& s) {
        bool ok = false;
        s.toLongLong(&ok);
        if (!ok) s.toULongLong(&ok);
        return ok;
    };
    auto number = [](const QString& s) {
        bool ok = false;
        s.toDouble(&ok);
        return ok;
    };
    if (type == FieldType::Int) {
        if (!whole(text)) {
            *problem = "'" + text.toStdString() + "' is not a whole number";
            return false;
        }
        *value = text.toStdString();
        return true;
    }
    if (type == FieldType::Real) {
        if (!number(text)) {
            *problem = "'" + text.toStdString() + "' is not a number";
            return false;
        }
        *value = text.toStdString();
        return true;
    }
    if (is_list(type)) {
        if (text.startsWith('[')) {  // YAML flow text, as `tpgm-cli --set` takes it
            *value = text.toStdString();
            return true;
        }
        std::string out = "[";
        for (const QString& raw : text.split(',', Qt::SkipEmptyParts)) {
            const QString item = raw.trimmed();
            if (item.isEmpty()) continue;
            if (type == FieldType::IntList && !whole(item)) {
                *problem = "'" + item.toStdString() + "' is not a whole number";
                return false;
            }
            if (type == FieldType::RealList && !number(item)) {
                *problem = "'" + item.toStdString() + "' is not a number";
                return false;
            }
            out += (out.size() > 1 ? ", " : "") +
                   (type == FieldType::TextList ? quoted(item) : item.toStdString());
        }
        *value = out + "]";
        return true;
    }
    *value = quoted(text);
    return true;
}

RunConfig SetupPanel::build(std::vector<ConfigIssue>* parseIssues) const {
    RunConfig c = base_;
    for (const auto& e : editors_) {
        const std::string& key = e.info.key;
        if (key == "run_dir") continue;
        if (e.info.type == FieldType::SetList) {
            std::vector<std::pair<std::string, std::string>> problems;
            c.ood = ood_->sets(&problems);
            for (auto& [k, m] : problems) parseIssues->push_back({k, m});
            continue;
        }
        std::string value, problem;
        if (!overrideValue(e, &value, &problem)) {
            if (!problem.empty()) parseIssues->push_back({key, problem});
            continue;
        }
        try {
            apply_override(c, key + "=" + value);
        } catch (const ConfigError& err) {
            std::string msg = err.what();
            if (msg.rfind(key + ": ", 0) == 0) msg = msg.substr(key.size() + 2);
            parseIssues->push_back({key, msg});
        }
    }
    QString name = runName_->text().trimmed();
    if (name.isEmpty())
        name = QString::fromStdString(c.method) + "-" +
               QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss");
    const QString root = static_cast<QLineEdit*>(fields_.at("run_dir"))->text().trimmed();
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
    if (!reportError_.isEmpty() && !reportPending_ && out.empty())
        out.push_back({"pretrained", reportError_.toStdString()});
    return out;
}

void SetupPanel::updateSections() {
    auto current = [&](const char* key) {
        return static_cast<QComboBox*>(fields_.at(key))->currentData().toString();
    };
    const QString method = current("method");
    const DataSource* source = find_data_source(current("data").toStdString());
    for (auto& [id, section] : sections_) {
        const std::string key = id.toStdString();
        bool shown = true;
        // A data source's own keys show with that source; a method's with that method.
        for (const auto& s : data_sources())
            if (key == s.section) shown = source && source->section == key;
        if (id == "images") shown = source && source->image_files;
        if (id == "ood") shown = source && source->ood_sets;
        if (find_method(key)) shown = method == id;
        section->setVisible(shown);
    }
    if (auto* pretrained = qobject_cast<QLineEdit*>(fields_.at("pretrained")))
        pretrained->setPlaceholderText(source && source->embedded
                                           ? tr("demo backbone (pre-trained on coarse groups)")
                                           : tr("a checkpoint file (required)"));
}

void SetupPanel::revalidate() {
    if (loading_) return;
    updateSections();
    const auto found = issues();
    std::map<QString, QStringList> byKey;
    QStringList general, oodKeys;
    for (const auto& i : found) {
        QString key = QString::fromStdString(i.key);
        QString message = QString::fromStdString(i.message);
        if (key == "pretrained" && message == reportError_) continue;  // the report shows it
        if (key.startsWith("ood[")) {
            oodKeys << key;
            // "ood[1].path" -> "set 2, path: ..."
            const int close = key.indexOf(']');
            const int row = key.mid(4, close - 4).toInt();
            message = tr("set %1, %2: %3").arg(row + 1).arg(key.mid(close + 2), message);
            key = "ood";
        }
        if (errors_.count(key) && isFieldShown(key))
            byKey[key] << message;
        else
            general << key + ": " + message;
    }
    for (auto& [key, label] : errors_) {
        auto it = byKey.find(key);
        label->setVisible(it != byKey.end());
        label->setText(it == byKey.end() ? QString() : it->second.join("\n"));
        if (key != "ood")
            fields_[key]->setStyleSheet(
                it == byKey.end() ? QString() : QStringLiteral("border: 1px solid #e0443e;"));
        if (it != byKey.end()) sections_.at(sectionOf_.at(key))->setExpanded(true);
    }
    ood_->markIssues(oodKeys);
    general_->setVisible(!general.isEmpty());
    general_->setText(general.join("\n"));
    scheduleReport();
    const bool valid = found.empty();
    if (valid != valid_) {
        valid_ = valid;
        emit validityChanged(valid);
    }
    emit settingsChanged();
}

}  // namespace tpgm::ui
