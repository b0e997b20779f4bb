// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/setup_texts.h"
#include "config/data_sources.h"
#include "config/methods.h"

#include <QObject>

#include <algorithm>
#include <map>

namespace tpgm::ui {

const char* const kRunSection = "run";

const std::vector<std::string>& important_keys() {
    static const std::vector<std::string> keys = {"method",  "model",  "data",       "pretrained",
                                                  "run_dir", "epochs", "batch_size", "optim.lr"};
    return keys;
}

QString label_for(const std::string& key) {
    static const std::map<std::string, QString> labels = {
        {"method", QObject::tr("Method")},
        {"model", QObject::tr("Architecture")},
        {"data", QObject::tr("Data")},
        {"pretrained", QObject::tr("Checkpoint")},
        {"run_dir", QObject::tr("Runs folder")},
        {"batch_size", QObject::tr("Batch size")},
        {"eval_every_epochs", QObject::tr("Evaluate every (epochs)")},
        {"freeze_bn", QObject::tr("Freeze BatchNorm statistics")},
        {"threads", QObject::tr("Threads (0 = all)")},
        {"resume", QObject::tr("Resume from last checkpoint")},
        {"checkpoint_every_epochs", QObject::tr("Checkpoint every (epochs)")},
        {"optim.name", QObject::tr("Optimiser")},
        {"optim.lr", QObject::tr("Learning rate")},
        {"optim.warmup_steps", QObject::tr("Warm-up steps")},
        {"tpgm.proj_freq", QObject::tr("Update every (steps)")},
        {"tpgm.max_iters", QObject::tr("Radius steps / update")},
        {"tpgm.proj_lr", QObject::tr("Radius learning rate")},
        {"tpgm.exclude", QObject::tr("Exclude (regexes)")},
        {"tpgm.post_hoc", QObject::tr("Post-hoc projection")},
        {"tpgm.post_hoc_iters", QObject::tr("Post-hoc radius steps")},
        {"demo.fashion_mnist_dir", QObject::tr("Fashion-MNIST folder")},
        {"demo.cache_dir", QObject::tr("Cache folder")},
        {"demo.corruptions", QObject::tr("OOD corruptions")},
        {"demo.severities", QObject::tr("OOD severities")},
        {"demo.id_train", QObject::tr("ID train images")},
        {"demo.id_proj", QObject::tr("ID projection images")},
        {"demo.id_test", QObject::tr("ID test images")},
        {"demo.ood_images", QObject::tr("Images per OOD set")},
        {"dist.timeout_s", QObject::tr("Rank timeout (s)")},
        {"dist.sync_bn", QObject::tr("SyncBatchNorm")},
        {"images.size", QObject::tr("Input size (px)")},
        {"images.memory_mb", QObject::tr("Memory budget (MB)")},
        {"folders.train", QObject::tr("Train folder")},
        {"folders.proj", QObject::tr("Projection folder")},
        {"folders.test", QObject::tr("Test folder")},
        {"folders.class_list", QObject::tr("Class list")},
        {"lists.root", QObject::tr("Image root")},
        {"lists.train", QObject::tr("Train list")},
        {"lists.proj", QObject::tr("Projection list")},
        {"lists.test", QObject::tr("Test list")},
        {"lists.percent", QObject::tr("Percent of train")},
        {"lists.classes", QObject::tr("Classes to keep")},
        {"ood", QObject::tr("OOD sets")},
    };
    if (auto it = labels.find(key); it != labels.end()) return it->second;
    const auto dot = key.find('.');
    QString name = QString::fromStdString(dot == std::string::npos ? key : key.substr(dot + 1));
    name.replace('_', ' ');
    if (!name.isEmpty()) name[0] = name[0].toUpper();
    return name;
}

QString choice_text(const std::string& key, const std::string& value) {
    static const std::map<std::string, QString> texts = {
        {"tpgm.norm=mars", QObject::tr("MARS (per output row)")},
        {"tpgm.norm=l2", QObject::tr("L2 (whole tensor)")},
        {"device=auto", QObject::tr("auto (CUDA if available)")},
        {"device=cpu", QObject::tr("CPU")},
        {"device=cuda", QObject::tr("CUDA")},
        {"optim.name=sgd", QObject::tr("SGD")},
        {"optim.name=adamw", QObject::tr("AdamW")},
        {"images.loading=auto", QObject::tr("auto (in memory while it fits)")},
        {"images.loading=memory", QObject::tr("memory (decode once)")},
        {"images.loading=stream", QObject::tr("stream (decode every batch)")},
    };
    if (auto it = texts.find(key + "=" + value); it != texts.end()) return it->second;
    // The registries' titles (config/methods.h, config/data_sources.h).
    if (const MethodInfo* m = key == "method" ? find_method(value) : nullptr)
        return QString::fromStdString(m->title);
    if (const DataSource* s = key == "data" ? find_data_source(value) : nullptr)
        return QString::fromStdString(s->title);
    return QString::fromStdString(value);
}

const std::vector<std::pair<QString, QString>>& known_sections() {
    static const std::vector<std::pair<QString, QString>> sections = [] {
        std::vector<std::pair<QString, QString>> s = {
            {kRunSection, QObject::tr("Run")},
        };
        for (const auto& source : data_sources()) {  // each source's own keys
            const QString id = QString::fromStdString(source.section);
            if (std::none_of(s.begin(), s.end(), [&](const auto& e) { return e.first == id; }))
                s.emplace_back(id, QString::fromStdString(source.section_title));
        }
        s.emplace_back("ood", QObject::tr("OOD test sets"));
        for (const auto& m : methods())  // each method's own keys, in the registry's order
            if (!m.section_title.empty())
                s.emplace_back(QString::fromStdString(m.name),
                               QString::fromStdString(m.section_title));
        s.insert(s.end(), {{"images", QObject::tr("Image input")},
                           {"optim", QObject::tr("Optimiser")},
                           {"dist", QObject::tr("Data parallel (tpgm-cli --nproc)")},
                           {"", QObject::tr("Training")}});
        return s;
    }();
    return sections;
}

bool collapsed_by_default(const QString& id) {
    return id == "demo" || id == "images" || id == "optim" || id == "dist" || id.isEmpty();
}

QString section_id(const ConfigFieldInfo& f) {
    if (std::find(important_keys().begin(), important_keys().end(), f.key) !=
        important_keys().end())
        return kRunSection;
    if (f.type == FieldType::SetList) return QString::fromStdString(f.key);
    return QString::fromStdString(f.section());
}

}  // namespace tpgm::ui
