// SPDX-License-Identifier: GPL-3.0-or-later
// tpgm-cli hard-subset: the ImageNet-A recipe for any dataset — keep the ID test images that a
// reference model misclassifies and write them as an ImageFolder, usable as an OOD set
// (ood: [DIR]) by later runs.
#include "commands.h"
#include "console.h"

#include "checkpoints/checkpoint.h"
#include "data/image_convert.h"
#include "data/image_file.h"
#include "engine/evaluator.h"
#include "engine/run_data.h"
#include "engine/runtime.h"
#include "files/atomic_file.h"

#include <torch/torch.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

namespace fs = std::filesystem;

void register_hard_subset_command(CLI::App& app) {
    struct Options {
        std::string reference, config, output;
        std::vector<std::string> overrides;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = app.add_subcommand(
        "hard-subset",
        "Write the ID test images a reference model misclassifies as an ImageFolder\n"
        "(class sub-folders), to use as an OOD set: --set ood=[DIR]");
    cmd->add_option("checkpoint,--checkpoint,--reference", o->reference,
                    "reference checkpoint (workbench format)")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("-c,--config", o->config, "YAML run config naming the data")
        ->check(CLI::ExistingFile);
    cmd->add_option("-s,--set", o->overrides, "override a config key (repeatable)");
    cmd->add_option("-o,--output", o->output, "folder to write")->required();
    cmd->callback([o] {
        const tpgm::RunConfig config = resolve_config(o->config, o->overrides);
        tpgm::set_threads(config.threads);
        const auto device = tpgm::resolve_device(config.device);
        ConsoleSink sink;
        const auto data = tpgm::load_run_data(config, sink);
        auto model = tpgm::load_model(o->reference);
        model->to(device);
        const auto wrong =
            tpgm::misclassified(*model, data.test, data.norm, device, tpgm::stream_options(config));
        const auto labels = data.test->labels();
        for (int64_t i : wrong) {
            const int64_t label = labels[i].item<int64_t>();
            std::string cls = data.class_names.at(label);
            for (char& ch : cls)
                if (ch == '/' || ch == ' ' || ch == '\\') ch = '_';
            if (cls.empty() || cls == "." || cls == "..")  // never a folder outside the output
                cls = "class_" + std::to_string(label);
            const fs::path dir = fs::path(o->output) / cls;
            fs::create_directories(dir);
            // Image files are copied as they are; the demo's in-memory images written as PNG.
            const std::string source = data.test->source(i);
            // Written atomically: never through a link or into a FIFO in the output.
            if (!source.empty()) {
                std::ifstream in(source, std::ios::binary);
                const std::string bytes{std::istreambuf_iterator<char>(in), {}};
                if (!in && !in.eof()) throw std::runtime_error("cannot read '" + source + "'");
                tpgm::write_file_atomically((dir / fs::path(source).filename()).string(), bytes);
            } else {
                const auto batch = data.test->load({i}, tpgm::Transform::Eval, 0);
                cv::Mat img = tpgm::tensor_to_mat(batch.images[0]);
                if (img.channels() == 3) cv::cvtColor(img, img, cv::COLOR_RGB2BGR);
                tpgm::write_image_file((dir / (std::to_string(i) + ".png")).string(), img);
            }
        }
        const int64_t n = data.test->size();
        std::cout << wrong.size() << " of " << n << " ID test images ("
                  << 100.0 * static_cast<double>(wrong.size()) / std::max<int64_t>(1, n)
                  << "%) are misclassified by " << o->reference << "; written to " << o->output
                  << "\n";
    });
}
