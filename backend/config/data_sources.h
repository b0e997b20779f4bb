// SPDX-License-Identifier: GPL-3.0-or-later
// The data-source table: what each value of the config's `data` key means (how it loads, its
// task, channels, classes, which keys apply). Torch-free; every front end and the engine ask it
// instead of comparing the source's name.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tpgm {

struct RunConfig;
struct ConfigIssue;

// The sources; the loaders (engine/run_data.cpp) switch over this, so a new one cannot be
// forgotten there.
enum class DataSourceKind { Demo, Folders, Lists, SegDemo, Voc };

// What a run learns to predict.
enum class Task { Classification, Segmentation };

// One dataset source.
struct DataSource {
    DataSourceKind kind;
    std::string name;   // the config value: "folders"
    std::string title;  // the window's choice: "Image folders"
    std::string help;   // `tpgm-cli config`: "ImageFolder roots"
    Task task = Task::Classification;
    int channels = 3;  // image channels the model sees
    // Composed in memory from Debian's Fashion-MNIST (no image files): built once and cached,
    // loaded on one thread, and with no checkpoint the built-in backbone (`builtin_backbone`).
    bool embedded = false;
    std::string builtin_backbone;  // the classifier an embedded source pre-trains; "" otherwise
    std::string section;        // the section of its own keys ("demo", "folders", "lists", "seg")
    std::string section_title;  // that section's title in the window
    bool image_files = false;   // reads image files: images.* (size, normalisation, loading) apply
    bool ood_sets = false;      // takes the ood: list of test sets
    // Class names come from the config (folders' class_list, lists' classes, seg.classes) or
    // from the files; embedded sources know theirs.
    int known_classes = 0;  // > 0: a fixed number of classes (the demo's 10)
};

// Every source, in the config's order (the first is the default).
const std::vector<DataSource>& data_sources();
// The source called `name`, or nullptr.
const DataSource* find_data_source(std::string_view name);
// The source called `name`; throws std::invalid_argument naming the known ones.
const DataSource& data_source(std::string_view name);
const DataSource& data_source(const RunConfig& config);
// The source's own checks of a config (the keys it needs), appended to `issues`; none for an
// unknown source (the schema's choice check reports that).
void check_data_source(const RunConfig& config, std::vector<ConfigIssue>& issues);
// A phrase for status lines: "the image folders of /data/train".
std::string describe_data(const RunConfig& config);

// Whether a run segments (per-pixel labels). Its scores are mean IoU and pixel accuracy, kept
// where a classification run keeps top-1 and top-5 accuracy (metrics, eval.json, summary.json).
bool is_segmentation_run(const RunConfig& config);

}  // namespace tpgm
