// SPDX-License-Identifier: GPL-3.0-or-later
// A demo configuration small enough for tests: a few hundred images, a 4-wide ResNet, 2 epochs.
#pragma once

#include "config/run_config.h"

#include <filesystem>
#include <string>

inline bool fashion_mnist_available() {
    return std::filesystem::exists(tpgm::DemoConfig{}.fashion_mnist_dir +
                                   "/train-images-idx3-ubyte.gz");
}

inline tpgm::RunConfig tiny_demo_config(const std::string& cache_dir, const std::string& run_dir) {
    tpgm::RunConfig c;
    c.run_dir = run_dir;
    c.epochs = 2;
    c.batch_size = 32;
    c.eval_every_epochs = 1;
    c.threads = 2;
    c.demo.cache_dir = cache_dir;
    c.demo.pretrain_images = 256;
    c.demo.pretrain_epochs = 1;
    c.demo.id_train = 200;
    c.demo.id_proj = 64;
    c.demo.id_test = 200;
    c.demo.ood_images = 50;
    c.demo.corruptions = {"fog", "contrast"};
    c.demo.severities = {3};
    c.demo.width = 4;
    return c;
}

// The segmentation demo at test size: a few dozen 48 px scenes, one epoch of ft on demo_fcn.
inline tpgm::RunConfig tiny_seg_demo_config(const std::string& cache_dir,
                                            const std::string& run_dir, int test_scenes = 24) {
    tpgm::RunConfig c = tiny_demo_config(cache_dir, run_dir);
    c.method = "ft";
    c.data = "seg_demo";
    c.model = "demo_fcn";
    c.epochs = 1;
    c.batch_size = 16;
    c.seg.scene_size = 48;
    c.seg.train_scenes = 64;
    c.seg.proj_scenes = 10;
    c.seg.test_scenes = test_scenes;
    c.seg.ood_scenes = 10;
    c.seg.corruptions = {"contrast"};
    c.seg.severities = {3};
    return c;
}
