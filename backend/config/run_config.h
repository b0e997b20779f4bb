// SPDX-License-Identifier: GPL-3.0-or-later
// Run configuration: plain, torch-free structs shared by the CLI, the GUI and the run folder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tpgm {

// Optimiser and learning-rate schedule of the fine-tuning run.
struct OptimConfig {
    std::string name = "sgd";         // sgd | adamw
    double lr = 0.05;                 // peak learning rate
    double momentum = 0.9;            // sgd only
    bool nesterov = true;             // sgd only
    double weight_decay = 5e-4;       // L2 for sgd, decoupled for adamw
    std::string schedule = "cosine";  // cosine | constant
    int warmup_steps = 0;             // linear warm-up from 0 before the schedule starts
    double label_smoothing = 0.0;     // cross-entropy label smoothing in [0, 1)
};

// TPGM's projection settings (Tian et al., CVPR 2023), defaults from the paper's DomainNet runs.
struct TpgmConfig {
    std::string norm = "mars";  // mars (per output row, L1 over the rest) | l2 (whole tensor)
    int proj_freq = 1;          // optimiser steps between radius updates
    int max_iters = 1;          // radius Adam steps per update
    double proj_lr = 1e-2;      // radius Adam learning rate
    std::vector<std::string> exclude = {"fc\\..*"};  // regexes of parameter names left free
    bool post_hoc = false;     // fine-tune freely, then learn radii and project once
    int post_hoc_iters = 200;  // radius steps of the post-hoc projection
};

// L2-SP (Li et al., ICML 2018): alpha/2 ||w - w0||^2 on the pre-trained weights and
// beta/2 ||w||^2 on the new head, added to the loss; defaults from the paper's ResNet runs.
struct L2spConfig {
    double alpha = 0.1;  // pull towards the pre-trained weights
    double beta = 0.01;  // plain weight decay on the new head
};

// SPD, selective projection decay (Tian et al., NeurIPS 2024): after the optimiser step, a
// pre-trained tensor whose gradient points away from W0 (<g, W - W0> > 0) is pulled back by
// weight_decay * r * (W~ - W0), r the relative growth of its distance from W0 in that step.
struct SpdConfig {
    double weight_decay = 1.0;  // lambda; our default, to be tuned per task as the paper does
};

// FTP, fast trainable projection (Tian et al., NeurIPS 2023): one radius per pre-trained tensor,
// learned from the training gradients alone (no held-out data, no extra forward pass).
struct FtpConfig {
    double k = 1.0;    // scale of a positive radius gradient (the paper's k)
    double lr = 1e-2;  // the radii's Adam learning rate (paper: 1e-2)
};

// LP-FT (Kumar et al., ICLR 2022): a linear probe, then full fine-tuning from the probed head, as
// one run; each phase has its own optim schedule (warm-up, then cosine over the phase's steps).
struct LpftConfig {
    int probe_epochs = 5;  // epochs of the linear-probe phase; the rest fine-tune every layer
};

// WiSE-FT (Wortsman et al., CVPR 2022): after fine-tuning, theta = (1 - a) theta_pre + a theta_ft
// over the pre-trained tensors (the new head stays fine-tuned).
struct WiseConfig {
    double alpha = 0.5;  // the final model's a
    bool sweep = true;   // also score a = 0, 0.1, ..., 1 on every test set (wise.json)
};

// Data-parallel training (processes placed by RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT).
struct DistConfig {
    int timeout_s = 300;   // a rank that dies or hangs stops the others within this
    bool sync_bn = false;  // BatchNorm with the statistics of the whole batch (all processes)
};

// The embedded demo benchmark built from Debian's Fashion-MNIST (see docs/DEMO.md).
struct DemoConfig {
    std::string fashion_mnist_dir = "/usr/share/datasets/fashion-mnist";
    std::string cache_dir;        // empty: $XDG_CACHE_HOME/tpgm-workbench (or ~/.cache/...)
    int pretrain_images = 20000;  // style-diverse pre-training images (5 coarse groups)
    int pretrain_epochs = 4;      // pre-training passes
    int id_train = 1000;          // labelled ID fine-tuning images (narrow style)
    int id_proj = 500;            // held-out ID images for TPGM's radius updates
    int id_test = 3000;           // ID test images
    int ood_images = 1000;        // images per corruption x severity OOD set
    std::vector<std::string> corruptions = {"fog", "gaussian_noise", "contrast", "defocus_blur"};
    std::vector<int> severities = {1, 3, 5};
    int width = 16;          // demo ResNet base width
    std::uint64_t seed = 7;  // seed of the benchmark itself, not of the runs
};

// Semantic segmentation data (data: seg_demo | voc; model: a segmentation model). Labels are
// per pixel; 255 marks pixels that are not scored (VOC's object borders, padding).
struct SegConfig {
    // data=seg_demo: scenes of Fashion-MNIST items on textured backgrounds (docs/DEMO.md), built
    // with demo.* (backbone, cache, seed).
    std::string labels = "semantic";  // semantic (the item's class) | parts (upper/middle/lower)
    int scene_size = 64;              // scene side in pixels
    int train_scenes = 800;           // labelled training scenes
    int proj_scenes = 200;            // held-out scenes for TPGM's radius updates
    int test_scenes = 400;            // clean test scenes
    int ood_scenes = 200;             // test scenes per corruption x severity
    // data=voc: the PASCAL VOC layout <root>/<images>/<id>.jpg, <root>/<masks>/<id>.png and
    // <root>/<lists>/<split>.txt; PASCAL-Context and human parts use the same layout with their
    // own mask folder, lists and class file.
    std::string root;                              // VOCdevkit/VOC2012, or a dataset in that layout
    std::string images = "JPEGImages";             // image folder under root
    std::string masks = "SegmentationClass";       // mask folder: palette or index PNGs
    std::string lists = "ImageSets/Segmentation";  // folder of the split lists under root
    std::string train = "train";                   // split names (lists/<name>.txt)
    std::string proj;                              // held-out split for TPGM; empty: 10% of train
    std::string test = "val";
    std::string classes;  // file of class names in label order; empty: VOC's 21
    // Masks whose 0 means "unlabelled" (mmsegmentation's convention for PASCAL-Context 59):
    // 0 is read as 255 (not scored) and every other label k as class k - 1.
    bool reduce_zero_label = false;
    int crop = 320;                           // training crop side after the random scale
    double min_scale = 0.5, max_scale = 2.0;  // random scale range of training pairs
    int eval_size = 0;  // evaluation: resize to this square; 0: full resolution (batches of 1)
    // OOD sets of both sources: the test set under these corruptions at these severities.
    std::vector<std::string> corruptions = {"fog", "gaussian_noise", "contrast"};
    std::vector<int> severities = {1, 3, 5};
};

// How image files become model input (data: folders | lists). Training images get
// RandomResizedCrop + flip at `size`; evaluation images a resize to size * 8/7 and a centre crop.
struct ImageConfig {
    int size = 224;                                    // square model input, in pixels
    std::vector<double> mean = {0.485, 0.456, 0.406};  // the checkpoint's normalisation (0..1)
    std::vector<double> std = {0.229, 0.224, 0.225};
    std::string loading = "auto";  // auto | memory | stream
    int memory_mb = 2048;          // auto: sets decoded into memory while they fit in this
    int loader_threads = 0;        // decoding threads; 0: one per core
    int prefetch_batches = 4;      // batches decoded ahead of the training step
};

// Image folders a user brings (data: folders): ImageFolder layout, one sub-folder per class.
struct FolderDataConfig {
    std::string train;          // ID training images
    std::string proj;           // held-out ID images for TPGM; empty: 10% of train, split off
    std::string test;           // ID test images
    std::string class_list;     // file of class names in label order; empty: train's folders
    bool follow_links = false;  // descend into links to directories (OOD folders too)
};

// Split lists (data: lists): "relative/path label" lines, DomainNet's format.
struct ListDataConfig {
    std::string root;      // folder the list paths are relative to
    std::string train;     // list of the ID training images
    std::string proj;      // held-out list for TPGM; empty: 10% of train, split off
    std::string test;      // list of the ID test images
    double percent = 100;  // class-balanced subset of train (nested: 1 % within 5 % ...)
    std::string classes;   // file of class names to keep, in their new label order
};

// One OOD test set of a folders or lists run.
struct OodSetConfig {
    std::string path;           // ImageFolder root, or a split-list file (.txt)
    std::string name;           // shown in tables and plots; empty: the folder or file name
    std::string root;           // a list's image root; empty: lists.root
    std::string kind = "auto";  // auto | domain | adversarial | rendition | corruption
    std::string classes;        // logits restricted to: imagenet-a | imagenet-r | FILE of names
    std::string corruption;     // kind corruption: its ImageNet-C name
    int severity = 0;           // kind corruption: 1..5
    bool operator==(const OodSetConfig& o) const {
        return path == o.path && name == o.name && root == o.root && kind == o.kind &&
               classes == o.classes && corruption == o.corruption && severity == o.severity;
    }
};

// One fine-tuning run: everything needed to reproduce it.
struct RunConfig {
    std::string method = "tpgm";        // a name from the method registry (config/methods.h)
    std::string model = "demo_resnet";  // registry name, see `tpgm-cli models`
    std::string data = "demo";          // a source from config/data_sources.h
    std::string pretrained;             // checkpoint path; empty with data=demo: the demo backbone
    std::string run_dir = "runs/latest";  // where the run folder is written
    int epochs = 20;
    int batch_size = 64;
    int eval_every_epochs = 5;  // 0: only at the end
    bool freeze_bn = false;     // keep BatchNorm running statistics at their pre-trained values
    std::uint64_t seed = 0;
    int threads = 0;                    // intra-op threads; 0: all cores
    std::string device = "auto";        // auto | cpu | cuda
    std::string precision = "float32";  // float32 | float64 (weights, activations, optimiser)
    bool resume = false;                // continue the run in run_dir from its last checkpoint
    bool overwrite = false;  // replace an earlier run in run_dir (else starting there fails)
    int checkpoint_every_epochs = 1;
    int checkpoint_every_steps = 0;  // also every N steps (0: only per epoch); forks start there
    int keep_checkpoints = 3;        // step-<N>.pt copies kept for forking (newest first)
    OptimConfig optim;
    TpgmConfig tpgm;
    L2spConfig l2sp;
    SpdConfig spd;
    FtpConfig ftp;
    LpftConfig lpft;
    WiseConfig wise;
    DistConfig dist;
    DemoConfig demo;
    ImageConfig images;
    SegConfig seg;
    FolderDataConfig folders;
    ListDataConfig lists;
    std::vector<OodSetConfig> ood;  // OOD test sets of data=folders | lists
};

}  // namespace tpgm
