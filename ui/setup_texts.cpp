// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/setup_texts.h"

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
        {"method=tpgm", QObject::tr("TPGM (trainable projection)")},
        {"method=ft", QObject::tr("Vanilla fine-tuning")},
        {"method=lp", QObject::tr("Linear probe (backbone frozen)")},
        {"method=l2sp", QObject::tr("L2-SP (penalty towards pre-trained)")},
        {"method=spd", QObject::tr("SPD (selective projection decay)")},
        {"method=ftp", QObject::tr("FTP (fast trainable projection)")},
        {"method=lpft", QObject::tr("LP-FT (linear probe, then fine-tune)")},
        {"method=wise", QObject::tr("WiSE-FT (fine-tune, then interpolate)")},
        {"data=demo", QObject::tr("Demo benchmark")},
        {"data=folders", QObject::tr("Image folders")},
        {"data=lists", QObject::tr("Split lists")},
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
    return QString::fromStdString(value);
}

const std::vector<std::pair<QString, QString>>& known_sections() {
    static const std::vector<std::pair<QString, QString>> sections = {
        {kRunSection, QObject::tr("Run")},
        {"folders", QObject::tr("Image folders")},
        {"lists", QObject::tr("Split lists")},
        {"demo", QObject::tr("Demo benchmark")},
        {"ood", QObject::tr("OOD test sets")},
        {"tpgm", QObject::tr("TPGM projection")},
        {"l2sp", QObject::tr("L2-SP penalty")},
        {"spd", QObject::tr("SPD decay")},
        {"ftp", QObject::tr("FTP projection")},
        {"lpft", QObject::tr("LP-FT phases")},
        {"wise", QObject::tr("WiSE-FT interpolation")},
        {"images", QObject::tr("Image input")},
        {"optim", QObject::tr("Optimiser")},
        {"dist", QObject::tr("Data parallel (tpgm-cli --nproc)")},
        {"", QObject::tr("Training")},
    };
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
