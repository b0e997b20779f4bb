// SPDX-License-Identifier: GPL-3.0-or-later
// tpgm-cli bench train: vanilla vs TPGM step times in one process, with the floor beside them.
#include "commands.h"

#include "config/config_schema.h"

#include "engine/step_benchmark.h"

#include <cstdio>

void register_bench_command(CLI::App& app) {
    auto* bench = app.add_subcommand(
        "bench", "Performance benchmarks (not tests): training steps, corruptions");
    bench->require_subcommand(1);
    auto o = std::make_shared<tpgm::StepBenchOptions>();
    auto* train = bench->add_subcommand(
        "train",
        "Seconds per training step, vanilla FT vs TPGM at proj_freq 1 and 10, on random data");
    train->add_option("--model", o->model, "architecture (tpgm-cli models)")->capture_default_str();
    train->add_option("--image-size", o->image_size, "square input size in pixels")
        ->capture_default_str();
    train->add_option("--batch", o->batch, "images per step")->capture_default_str();
    train->add_option("--windows", o->windows, "timed windows (medians are reported)")
        ->capture_default_str();
    train->add_option("--window-steps", o->window_steps, "steps per window")->capture_default_str();
    train->add_option("--threads", o->threads, "intra-op threads; 0: all cores")
        ->check(CLI::Range(0, tpgm::max_sane_threads()))
        ->capture_default_str();
    train->add_option("--norm", o->norm, "TPGM norm: mars | l2")->capture_default_str();
    train->add_option("--device", o->device, "auto | cpu | cuda")->capture_default_str();
    auto peak = std::make_shared<std::string>();
    train
        ->add_option("--peak-memory", *peak,
                     "instead: the process's peak RSS after --window-steps steps of one kind\n"
                     "(vanilla | tpgm); run once per kind")
        ->check(CLI::IsMember({"vanilla", "tpgm"}));
    train->callback([o, peak] {
        if (!peak->empty()) {
            std::printf("%s, %dx%d, batch %d, %d %s steps: peak RSS %.0f MiB\n", o->model.c_str(),
                        o->image_size, o->image_size, o->batch, o->window_steps, peak->c_str(),
                        tpgm::step_peak_rss_mb(*o, *peak == "tpgm"));
            return;
        }
        const auto r = tpgm::run_step_benchmark(*o);
        const double beyond = r.tpgm_freq1 - r.vanilla - r.floor;
        std::printf(
            "%s, %dx%d, batch %d, %s, %d constrained tensors (%s norm, %s); medians of %d windows "
            "x %d steps\n",
            o->model.c_str(), o->image_size, o->image_size, o->batch, r.device.c_str(),
            r.constrained, o->norm.c_str(), r.row_loops.c_str(), o->windows, o->window_steps);
        std::printf(
            "  vanilla FT step            %8.4f s  (%.0f images/s; evaluation %.0f "
            "images/s)\n",
            r.vanilla, r.images_per_sec_vanilla, r.images_per_sec_eval);
        std::printf("  floor: extra fwd+bwd       %8.4f s  (%.2fx vanilla)\n", r.floor,
                    r.floor / r.vanilla);
        std::printf("  TPGM proj_freq 1           %8.4f s  (%.2fx vanilla)\n", r.tpgm_freq1,
                    r.tpgm_freq1 / r.vanilla);
        std::printf("    beyond vanilla + floor   %8.4f s  (%.1f%% of a vanilla step)\n", beyond,
                    100 * beyond / r.vanilla);
        std::printf(
            "    radius update's own work %8.4f s  (%.1f%%; update() less its forward/backward, "
            "paired in each step)\n",
            r.update_work, 100 * r.update_work / r.vanilla);
        std::printf("  TPGM proj_freq 10          %8.4f s  (%.3fx vanilla)\n", r.tpgm_freq10,
                    r.tpgm_freq10 / r.vanilla);
        std::printf("  apply-only projection      %8.4f s  (%.1f%% of a vanilla step)\n",
                    r.apply_only, 100 * r.apply_only / r.vanilla);
        std::printf(
            "  one copy of the weights    %8.4f s  (%.1f%%, after a step: a pass's memory floor; "
            "apply-only moves ~1.5 copies, a radius update ~4.5)\n",
            r.weight_copy, 100 * r.weight_copy / r.vanilla);
        std::printf(
            "  TPGM buffers (W0 + D)      %8.1f MiB per method; process peak RSS %.0f MiB\n",
            r.buffers_mb, r.peak_rss_mb);
        if (const auto ref = tpgm::python_reference(*o, r.cuda))
            std::printf(
                "  Python reference (quoted: %s): TPGM step %.4f s (ours %.2fx), "
                "apply-only %.4f s (ours %.2fx)\n",
                ref->where.c_str(), ref->tpgm_freq1, r.tpgm_freq1 / ref->tpgm_freq1,
                ref->apply_only, r.apply_only / ref->apply_only);
    });
    register_bench_corruptions(*bench);
    register_bench_loader(*bench);
    register_bench_data_parallel(*bench);
}
