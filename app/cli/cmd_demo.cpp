// SPDX-License-Identifier: GPL-3.0-or-later
// tpgm-cli demo build: builds and caches the embedded Fashion-MNIST shift benchmark.
#include "commands.h"
#include "console.h"

#include "demo/demo_benchmark.h"
#include "engine/runtime.h"

#include <iostream>

void register_demo_command(CLI::App& app) {
    struct Options {
        std::string config;
        std::vector<std::string> overrides;
    };
    auto o = std::make_shared<Options>();
    auto* demo =
        app.add_subcommand("demo", "The embedded demo benchmark (Fashion-MNIST shift benchmark)");
    demo->require_subcommand(1);
    auto* build = demo->add_subcommand(
        "build",
        "Build the benchmark and pre-train its backbone once (about a minute), then cache it;\n"
        "finetune does this by itself when the cache is missing");
    build->add_option("-c,--config", o->config, "YAML run config (its demo.* keys)")
        ->check(CLI::ExistingFile);
    build->add_option("-s,--set", o->overrides, "override a config key, e.g. --set demo.width=16");
    build->callback([o] {
        const tpgm::RunConfig config = resolve_config(o->config, o->overrides);
        tpgm::set_threads(config.threads);
        ConsoleSink sink;
        const auto b = tpgm::load_demo_benchmark(
            config.demo,
            [&](const std::string& p, int64_t d, int64_t t) { sink.on_progress(p, d, t); },
            tpgm::resolve_device(config.device));  // pre-trains where a run would
        std::cout << "demo benchmark in " << tpgm::demo_cache_dir(config.demo) << "\n"
                  << "  pre-trained backbone: " << b.pretrained_checkpoint << "\n"
                  << "  ID: " << b.id_train.size() << " train, " << b.id_proj.size()
                  << " held-out (projection), " << b.id_test.size() << " test images\n  OOD sets:";
        for (const auto& s : b.ood) std::cout << " " << s.name << " (" << s.size() << ")";
        std::cout << "\n";
    });
}
