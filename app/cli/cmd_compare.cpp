// SPDX-License-Identifier: GPL-3.0-or-later
// tpgm-cli compare: several methods x seeds under one budget, mean and std per set.
// A method entry is a method name optionally followed by overrides: "tpgm@tpgm.proj_lr=0.01".
#include "commands.h"
#include "console.h"

#include "checkpoints/atomic_file.h"
#include "config/config_schema.h"
#include "engine/trainer.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    for (std::string item; std::getline(ss, item, sep);)
        if (!item.empty()) out.push_back(item);
    return out;
}

struct Stats {
    double mean = 0, std = 0;
};
Stats stats(const std::vector<double>& v) {
    Stats s;
    for (double x : v) s.mean += x / v.size();
    for (double x : v)
        s.std += (x - s.mean) * (x - s.mean) / std::max<std::size_t>(1, v.size() - 1);
    s.std = std::sqrt(s.std);
    return s;
}

}  // namespace

void register_compare_command(CLI::App& app) {
    struct Options {
        std::string config, out = "runs/compare", methods = "ft,lp,tpgm";
        std::vector<int> seeds{0, 1, 2};
        std::vector<std::string> overrides;
    };
    auto o = std::make_shared<Options>();
    auto* cmd = app.add_subcommand(
        "compare",
        "Run several methods over several seeds with the same budget and tabulate ID and OOD\n"
        "accuracy (mean +- std); writes <out>/compare.md and one run folder per run");
    cmd->add_option("-c,--config", o->config, "YAML run config shared by every run")
        ->check(CLI::ExistingFile);
    cmd->add_option("-s,--set", o->overrides, "override a config key for every run (repeatable)");
    cmd->add_option("--methods", o->methods,
                    "comma-separated entries, each method[@key=value[@...]]")
        ->capture_default_str();
    cmd->add_option("--seeds", o->seeds, "run seeds")->capture_default_str()->delimiter(',');
    cmd->add_option("-o,--out", o->out, "folder for the run folders and compare.md")
        ->capture_default_str();
    cmd->callback([o] {
        const auto entries = split(o->methods, ',');
        std::map<std::string, std::map<std::string, std::vector<double>>>
            results;  // entry -> set -> accs
        std::vector<std::string> set_order;
        for (const auto& entry : entries) {
            const auto parts = split(entry, '@');
            for (int seed : o->seeds) {
                auto overrides = o->overrides;
                overrides.push_back("method=" + parts.at(0));
                overrides.insert(overrides.end(), parts.begin() + 1, parts.end());
                overrides.push_back("seed=" + std::to_string(seed));
                std::string folder = entry;
                for (char& c : folder)
                    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
                        c = '_';
                overrides.push_back(
                    "run_dir=" +
                    (fs::path(o->out) / (folder + "-seed" + std::to_string(seed))).string());
                overrides.push_back("resume=false");
                overrides.push_back("overwrite=true");  // compare owns its output folder
                const tpgm::RunConfig config = resolve_config(o->config, overrides);
                ConsoleSink sink(/*quiet=*/true);
                tpgm::RunControl control;
                const auto s = tpgm::run_training(config, sink, control);
                if (s.status != "completed")
                    throw std::runtime_error(entry + " seed " + std::to_string(seed) + ": " +
                                             s.message);
                std::cout << std::left << std::setw(28) << entry << " seed " << seed << ": ID "
                          << std::fixed << std::setprecision(1) << 100 * s.final_top1.at("id")
                          << "  OOD mean " << 100 * s.final_top1.at("ood_mean") << "  ("
                          << format_duration(s.seconds) << ")\n";
                for (const auto& [set, acc] : s.final_top1) {
                    results[entry][set].push_back(acc);
                    if (std::find(set_order.begin(), set_order.end(), set) == set_order.end())
                        set_order.push_back(set);
                }
            }
        }
        // ID first, aggregates next, then each set.
        std::vector<std::string> columns{"id", "ood_mean", "corruption_mean"};
        for (const auto& s : set_order)
            if (std::find(columns.begin(), columns.end(), s) == columns.end()) columns.push_back(s);
        std::ostringstream md;
        md << "| method |";
        for (const auto& c : columns) md << " " << c << " |";
        md << "\n|---|";
        for (std::size_t i = 0; i < columns.size(); ++i) md << "---|";
        md << "\n";
        for (const auto& entry : entries) {
            md << "| " << entry << " |";
            for (const auto& c : columns) {
                const auto st = stats(results[entry][c]);
                md << " " << std::fixed << std::setprecision(1) << 100 * st.mean << " ± "
                   << 100 * st.std << " |";
            }
            md << "\n";
        }
        std::cout << "\nTop-1 accuracy (%), mean ± std over " << o->seeds.size() << " seeds:\n\n"
                  << md.str();
        fs::create_directories(o->out);
        tpgm::write_file_atomically((fs::path(o->out) / "compare.md").string(), md.str());
    });
}
