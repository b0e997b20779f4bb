// SPDX-License-Identifier: GPL-3.0-or-later
// tpgm-cli predict: a run's model on image files: label maps (overlay or palette PNGs) for a
// segmentation run, the top-5 classes for a classification run.
#include "commands.h"

#include "config/config_schema.h"
#include "config/data_sources.h"
#include "data/image_file.h"
#include "data/voc.h"
#include "facade/run_classifier.h"
#include "facade/run_segmenter.h"
#include "runs/run_discovery.h"
#include "runs/run_paths.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <stdexcept>

namespace {

namespace fs = std::filesystem;

// What the command was given.
struct PredictOptions {
    std::string run, checkpoint, out;
    std::vector<std::string> images;
    bool mask_only = false;
};

// Every image decoded before any model loads or any file is written, so that a typo in the last
// path costs nothing and leaves nothing half done. 8-bit BGR whatever the file holds.
std::vector<cv::Mat> read_images(const std::vector<std::string>& paths) {
    std::vector<cv::Mat> out;
    for (const auto& path : paths) {
        std::error_code ec;
        if (!fs::is_regular_file(path, ec))
            throw std::runtime_error("no such image file '" + path + "'");
        cv::Mat image = cv::imread(path, cv::IMREAD_COLOR);
        if (image.empty()) throw std::runtime_error("cannot read '" + path + "' as an image");
        out.push_back(std::move(image));
    }
    return out;
}

// Where each image's PNG goes: OUT itself for one image when OUT names a .png file, else
// OUT/<stem>.png (OUT created). Two images with one stem would overwrite each other: refused.
std::vector<std::string> output_paths(const std::vector<std::string>& images,
                                      const std::string& out) {
    std::string ext = fs::path(out).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    std::error_code ec;
    if (images.size() == 1 && ext == ".png" && !fs::is_directory(out, ec)) return {out};
    std::vector<std::string> paths;
    std::set<std::string> stems;
    for (const auto& image : images) {
        const std::string stem = fs::path(image).stem().string();
        if (!stems.insert(stem).second)
            throw std::runtime_error("two images are named '" + stem + "': their outputs (" + stem +
                                     ".png in '" + out + "') would overwrite each other");
        paths.push_back((fs::path(out) / (stem + ".png")).string());
    }
    return paths;
}

// The image with every labelled pixel blended half and half with its class colour. Background
// (label 0 when the run calls it so; the palette's black) is left as the image, so that the
// scene stays readable and only what the model found is tinted.
cv::Mat overlay_image(const cv::Mat& image, const cv::Mat& labels, bool zero_is_background) {
    const cv::Mat colours = tpgm::colorize_voc_mask(labels);
    cv::Mat blended;
    cv::addWeighted(image, 0.5, colours, 0.5, 0.0, blended);
    cv::Mat out = image.clone();
    if (zero_is_background)
        blended.copyTo(out, labels != 0);
    else
        out = blended;
    return out;
}

void write_png(const std::string& path, const cv::Mat& image) {
    tpgm::write_image_file(path, image);  // never through a link or into a FIFO
}

// "  person      20.1%" for each class present, the largest share first.
void print_class_shares(const cv::Mat& labels, const std::vector<std::string>& names) {
    std::map<int, int64_t> counts;
    for (int y = 0; y < labels.rows; ++y)
        for (int x = 0; x < labels.cols; ++x) ++counts[labels.at<uint8_t>(y, x)];
    std::vector<std::pair<int64_t, int>> order;
    for (const auto& [label, n] : counts) order.emplace_back(n, label);
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    const double total = static_cast<double>(labels.total());
    for (const auto& [n, label] : order) {
        const std::string name = label < static_cast<int>(names.size())
                                     ? names[label]
                                     : "class " + std::to_string(label);
        std::cout << "  " << std::left << std::setw(24) << name << std::right << std::fixed
                  << std::setprecision(1) << std::setw(6) << 100.0 * n / total << "%\n";
    }
}

void predict_segmentation(const PredictOptions& o, const std::vector<cv::Mat>& images) {
    if (o.out.empty())
        throw std::runtime_error("run '" + o.run +
                                 "' segments: give -o OUT (a .png file, or a folder) for the "
                                 "label maps");
    const std::vector<std::string> outputs = output_paths(o.images, o.out);
    const tpgm::facade::RunSegmenter segmenter(o.run, o.checkpoint);
    const auto& names = segmenter.class_names();
    const bool zero_is_background = !names.empty() && names[0] == "background";
    const fs::path folder =
        outputs.size() > 1 || outputs[0] != o.out ? fs::path(o.out) : fs::path(o.out).parent_path();
    if (!folder.empty()) fs::create_directories(folder);
    std::cout << "checkpoint: " << segmenter.checkpoint() << "\n";
    for (std::size_t i = 0; i < images.size(); ++i) {
        const cv::Mat labels = segmenter.segment(images[i]);
        write_png(outputs[i], o.mask_only ? tpgm::colorize_voc_mask(labels)
                                          : overlay_image(images[i], labels, zero_is_background));
        std::cout << o.images[i] << " -> " << outputs[i] << " (" << labels.cols << "x"
                  << labels.rows << ")\n";
        print_class_shares(labels, names);
    }
}

void predict_classification(const PredictOptions& o, const std::vector<cv::Mat>& images) {
    if (o.mask_only)
        throw std::runtime_error("run '" + o.run +
                                 "' is a classification run: --mask-only is for segmentation "
                                 "runs");
    const tpgm::facade::RunClassifier classifier(o.run, o.checkpoint);
    std::cout << "checkpoint: " << classifier.checkpoint() << "\n";
    for (std::size_t i = 0; i < images.size(); ++i) {
        const auto top = classifier.top_k(images[i], 5);
        std::cout << o.images[i] << "\n";
        for (std::size_t k = 0; k < top.size(); ++k)
            std::cout << "  " << k + 1 << ". " << std::left << std::setw(24) << top[k].name
                      << std::right << std::fixed << std::setprecision(1) << std::setw(6)
                      << 100 * top[k].probability << "%\n";
    }
}

}  // namespace

void register_predict_command(CLI::App& app) {
    auto o = std::make_shared<PredictOptions>();
    auto* cmd = app.add_subcommand(
        "predict",
        "Run a run's model on image files: for a segmentation run, write each image's label map\n"
        "as a colour overlay (or, with --mask-only, a VOC palette PNG) and print the classes\n"
        "present; for a classification run, print the top-5 classes");
    cmd->add_option("-r,--run", o->run, "run folder (its config, and its final or last checkpoint)")
        ->required();
    cmd->add_option("--checkpoint", o->checkpoint,
                    "a checkpoint of that run to use instead (e.g. checkpoints/step-400.pt)");
    cmd->add_option("images", o->images, "image files (any format OpenCV reads)")->required();
    cmd->add_option("-o,--out", o->out,
                    "segmentation: the output .png for one image, else a folder of <stem>.png");
    cmd->add_flag("--mask-only", o->mask_only,
                  "segmentation: write the palette-coloured label map instead of the overlay");
    cmd->callback([o] {
        // Everything is checked before the model loads; errors end in main's message + exit 1.
        std::error_code ec;
        if (!fs::is_directory(o->run, ec))
            throw std::runtime_error("no run folder '" + o->run + "'");
        const std::string config_path = tpgm::RunPaths(o->run).config();
        if (!fs::exists(config_path, ec))
            throw std::runtime_error("'" + o->run + "' holds no run (no config.yaml)");
        const tpgm::RunConfig config = tpgm::load_config_file(config_path);
        if (!o->checkpoint.empty() && !fs::is_regular_file(o->checkpoint, ec))
            throw std::runtime_error("no such checkpoint '" + o->checkpoint + "'");
        if (o->checkpoint.empty()) tpgm::best_checkpoint(o->run);  // says when there is none
        const std::vector<cv::Mat> images = read_images(o->images);
        if (tpgm::is_segmentation_run(config))
            predict_segmentation(*o, images);
        else
            predict_classification(*o, images);
    });
}
