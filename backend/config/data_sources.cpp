// SPDX-License-Identifier: GPL-3.0-or-later
#include "config/data_sources.h"

#include "config/config_schema.h"
#include "config/model_names.h"

#include <stdexcept>

namespace tpgm {

const std::vector<DataSource>& data_sources() {
    static const std::vector<DataSource> table = [] {
        std::vector<DataSource> t(5);
        t[0] = {DataSourceKind::Demo, "demo", "Demo benchmark",
                "the embedded Fashion-MNIST shift benchmark"};
        t[0].channels = 1;
        t[0].embedded = true;
        t[0].builtin_backbone = "demo_resnet";
        t[0].section = "demo";
        t[0].section_title = "Demo benchmark";
        t[0].known_classes = 10;
        t[1] = {DataSourceKind::Folders, "folders", "Image folders", "ImageFolder roots"};
        t[1].section = "folders";
        t[1].section_title = "Image folders";
        t[1].image_files = t[1].ood_sets = true;
        t[2] = {DataSourceKind::Lists, "lists", "Split lists", "split-list files"};
        t[2].section = "lists";
        t[2].section_title = "Split lists";
        t[2].image_files = t[2].ood_sets = true;
        t[3] = {DataSourceKind::SegDemo, "seg_demo", "Segmentation demo",
                "the embedded segmentation scenes", Task::Segmentation};
        t[3].embedded = true;
        t[3].builtin_backbone = "demo_resnet";
        t[3].section = "seg";
        t[3].section_title = "Segmentation data";
        t[4] = {DataSourceKind::Voc, "voc", "PASCAL VOC masks", "PASCAL VOC layout masks",
                Task::Segmentation};
        t[4].section = "seg";
        t[4].section_title = "Segmentation data";
        t[4].image_files = true;
        return t;
    }();
    return table;
}

const DataSource* find_data_source(std::string_view name) {
    for (const auto& s : data_sources())
        if (s.name == name) return &s;
    return nullptr;
}

const DataSource& data_source(std::string_view name) {
    if (const DataSource* s = find_data_source(name)) return *s;
    std::string known;
    for (const auto& s : data_sources()) known += (known.empty() ? "" : ", ") + s.name;
    throw std::invalid_argument("unknown data source '" + std::string(name) + "' (" + known + ")");
}

const DataSource& data_source(const RunConfig& config) {
    return data_source(config.data);
}

bool is_segmentation_run(const RunConfig& config) {
    const DataSource* source = find_data_source(config.data);
    return source && source->task == Task::Segmentation;
}

void check_data_source(const RunConfig& c, std::vector<ConfigIssue>& issues) {
    auto need = [&](bool ok, const char* key, const std::string& msg) {
        if (!ok) issues.push_back({key, msg});
    };
    const DataSource* found = find_data_source(c.data);
    if (!found) return;
    const DataSource& source = *found;
    const std::string data = "data=" + source.name;
    switch (source.kind) {
        case DataSourceKind::Demo:
            need(!c.pretrained.empty() || c.model == source.builtin_backbone, "model",
                 "the demo's backbone is " + source.builtin_backbone +
                     "; give pretrained: to fine-tune another model");
            break;
        case DataSourceKind::SegDemo:
            need(!c.pretrained.empty() || segmentation_backbone(c.model) == source.builtin_backbone,
                 "model",
                 "the segmentation demo's backbone is " + source.builtin_backbone +
                     " (model demo_fcn or demo_deeplabv3); give pretrained: to fine-tune another "
                     "model");
            break;
        case DataSourceKind::Folders:
            need(!c.folders.train.empty(), "folders.train", data + " needs a training folder");
            need(!c.folders.test.empty(), "folders.test", data + " needs a test folder");
            break;
        case DataSourceKind::Lists:
            need(!c.lists.root.empty(), "lists.root", data + " needs the images' root folder");
            need(!c.lists.train.empty(), "lists.train", data + " needs a training list");
            need(!c.lists.test.empty(), "lists.test", data + " needs a test list");
            break;
        case DataSourceKind::Voc:
            need(!c.seg.root.empty(), "seg.root", data + " needs the dataset root");
            break;
    }
    const bool dense = source.task == Task::Segmentation;
    need(dense == is_segmentation_model(c.model), "model",
         dense ? data + " needs a segmentation model (tpgm-cli models)"
               : "'" + c.model + "' is a segmentation model; it needs data=seg_demo or voc");
    if (!source.embedded)
        need(!c.pretrained.empty(), "pretrained", data + " needs a pre-trained checkpoint");
}

std::string describe_data(const RunConfig& c) {
    switch (data_source(c).kind) {
        case DataSourceKind::Demo:
            return "the demo benchmark";
        case DataSourceKind::Folders:
            return "the image folders of " + c.folders.train;
        case DataSourceKind::Lists:
            return "the split lists under " + c.lists.root;
        case DataSourceKind::SegDemo:
            return "the segmentation demo (" + c.seg.labels + " labels)";
        case DataSourceKind::Voc:
            return "the segmentation masks under " + c.seg.root;
    }
    return c.data;
}

}  // namespace tpgm
