// SPDX-License-Identifier: GPL-3.0-or-later
// Segmentation models: torchvision's names and shapes, output sizes and strides, loading a
// classifier's checkpoint into the backbone and a torchvision state dict with its aux head, and
// the same logits as torchvision's own models (Debian's python3-torchvision computes them).
#include "checkpoints/checkpoint.h"
#include "checkpoints/key_map.h"
#include "checkpoints/safetensors.h"
#include "checkpoints/torch_zip_writer.h"
#include "config/model_names.h"
#include "models/registry.h"
#include "models/resnet.h"
#include "models/segmentation.h"
#include "models/vit.h"

#include <torch/torch.h>
#include <QtTest/QtTest>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

using namespace tpgm;
namespace fs = std::filesystem;

namespace {

using Shapes = std::map<std::string, std::vector<int64_t>>;

// Whether /usr/bin/python3 has PyTorch with torchvision (packaging/install-deps.sh installs
// Debian's python3-torch and python3-torchvision).
bool python_has_torchvision() {
    QProcess probe;
    probe.start("/usr/bin/python3", {"-c", "import torch, torchvision"});
    return probe.waitForFinished(120000) && probe.exitStatus() == QProcess::NormalExit &&
           probe.exitCode() == 0;
}

// Runs tests/tools/segmentation_reference.py into `dir`: empty on success, else why it failed.
QString write_torchvision_reference(const fs::path& dir) {
    QProcess script;
    script.start("/usr/bin/python3", {TPGM_TEST_DATA_DIR "/../tools/segmentation_reference.py",
                                      QString::fromStdString(dir.string())});
    if (script.waitForFinished(240000) && script.exitStatus() == QProcess::NormalExit &&
        script.exitCode() == 0)
        return {};
    return "segmentation_reference.py failed: " +
           QString::fromLocal8Bit(script.readAllStandardError());
}

// torchvision's names and shapes, written from its source (resnet.py's _make_layer, fcn.py's
// FCNHead, deeplabv3.py's DeepLabHead / ASPP), independently of our modules.
void add_conv(Shapes& s, const std::string& name, int64_t out, int64_t in, int64_t k,
              bool bias = false) {
    s[name + ".weight"] = {out, in, k, k};
    if (bias) s[name + ".bias"] = {out};
}
void add_bn(Shapes& s, const std::string& name, int64_t c) {
    for (const char* p : {".weight", ".bias", ".running_mean", ".running_var"}) s[name + p] = {c};
    s[name + ".num_batches_tracked"] = {};
}
Shapes torchvision_resnet50_backbone() {
    Shapes s;
    add_conv(s, "backbone.conv1", 64, 3, 7);
    add_bn(s, "backbone.bn1", 64);
    const int blocks[] = {3, 4, 6, 3};
    int64_t in = 64;
    for (int stage = 0; stage < 4; ++stage) {
        const int64_t planes = int64_t(64) << stage;
        for (int b = 0; b < blocks[stage]; ++b) {
            const std::string p =
                "backbone.layer" + std::to_string(stage + 1) + "." + std::to_string(b) + ".";
            add_conv(s, p + "conv1", planes, in, 1);
            add_bn(s, p + "bn1", planes);
            add_conv(s, p + "conv2", planes, planes, 3);
            add_bn(s, p + "bn2", planes);
            add_conv(s, p + "conv3", planes * 4, planes, 1);
            add_bn(s, p + "bn3", planes * 4);
            if (b == 0) {
                add_conv(s, p + "downsample.0", planes * 4, in, 1);
                add_bn(s, p + "downsample.1", planes * 4);
            }
            in = planes * 4;
        }
    }
    return s;
}
void add_fcn_head(Shapes& s, const std::string& prefix, int64_t in, int64_t classes) {
    add_conv(s, prefix + "0", in / 4, in, 3);
    add_bn(s, prefix + "1", in / 4);
    add_conv(s, prefix + "4", classes, in / 4, 1, true);
}
Shapes torchvision_fcn_resnet50(int64_t classes) {
    Shapes s = torchvision_resnet50_backbone();
    add_fcn_head(s, "classifier.", 2048, classes);
    return s;
}
Shapes torchvision_deeplabv3_resnet50(int64_t classes) {
    Shapes s = torchvision_resnet50_backbone();
    add_conv(s, "classifier.0.convs.0.0", 256, 2048, 1);
    add_bn(s, "classifier.0.convs.0.1", 256);
    for (int i = 1; i <= 3; ++i) {
        add_conv(s, "classifier.0.convs." + std::to_string(i) + ".0", 256, 2048, 3);
        add_bn(s, "classifier.0.convs." + std::to_string(i) + ".1", 256);
    }
    add_conv(s, "classifier.0.convs.4.1", 256, 2048, 1);
    add_bn(s, "classifier.0.convs.4.2", 256);
    add_conv(s, "classifier.0.project.0", 256, 5 * 256, 1);
    add_bn(s, "classifier.0.project.1", 256);
    add_conv(s, "classifier.1", 256, 256, 3);
    add_bn(s, "classifier.2", 256);
    add_conv(s, "classifier.4", classes, 256, 1, true);
    return s;
}

Shapes shapes_of(const torch::nn::Module& m) {
    Shapes s;
    for (const auto& [name, t] : state_dict(m)) s[name] = t.sizes().vec();
    return s;
}

int64_t parameter_count(const torch::nn::Module& m) {
    int64_t n = 0;
    for (const auto& p : m.parameters()) n += p.numel();
    return n;
}

// Names in `a` that `b` lacks or holds with another shape, for a readable failure.
std::string difference(const Shapes& a, const Shapes& b) {
    std::string out;
    int shown = 0;
    for (const auto& [name, shape] : a) {
        auto it = b.find(name);
        if (it != b.end() && it->second == shape) continue;
        if (++shown > 8) break;
        out += "\n  " + name + (it == b.end() ? " absent" : " has another shape");
    }
    return out;
}

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.rfind(prefix, 0) == 0;
}

std::shared_ptr<SegmentationModel> segmentation(const ModelSpec& spec) {
    auto model = std::dynamic_pointer_cast<SegmentationModel>(create_model(spec));
    if (!model) throw std::runtime_error(spec.name + " is not a SegmentationModel");
    return model;
}

}  // namespace

class TestSegmentationModels : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::string path(const char* name) {
        return (fs::path(dir_.path().toStdString()) / name).string();
    }

  private Q_SLOTS:
    void initTestCase() { torch::manual_seed(0); }

    void registryKnowsTheSegmentationNames() {
        std::set<std::string> names;
        for (const auto& [name, doc] : model_catalogue()) names.insert(name);
        for (const char* n : {"demo_fcn", "demo_deeplabv3", "fcn_resnet50", "deeplabv3_resnet50",
                              "fcn_vit_s16", "fcn_vit_b16"}) {
            QVERIFY2(names.count(n) && is_segmentation_model(n), n);
            auto model = create_model({n, 3, 1, 4});
            QCOMPARE(model->head_prefix(), std::string("classifier."));
            QCOMPARE(model->backbone_prefix(), std::string("backbone."));
            QCOMPARE(model->num_classes(), int64_t(3));
        }
        QCOMPARE(create_model({"demo_resnet", 3, 1, 4})->backbone_prefix(), std::string());
    }

    void fcnResnet50HasTorchvisionsNamesAndShapes() {
        auto model = create_model({"fcn_resnet50", 21, 3});
        const Shapes ours = shapes_of(*model), theirs = torchvision_fcn_resnet50(21);
        QVERIFY2(ours == theirs, (difference(ours, theirs) + difference(theirs, ours)).c_str());
        // By prefix: ResNet-50 has 53 convs and 53 BNs (5 tensors each); FCNHead a conv, a BN
        // and the final conv with its bias.
        int backbone = 0, head = 0;
        for (const auto& [name, _] : ours) (starts_with(name, "backbone.") ? backbone : head)++;
        QCOMPARE(backbone, 53 * 1 + 53 * 5);  // 53 convs, 53 BNs with 5 tensors each
        QCOMPARE(head, 1 + 5 + 2);
        QCOMPARE(ours.at("backbone.layer4.0.downsample.0.weight"),
                 (std::vector<int64_t>{2048, 1024, 1, 1}));
        QCOMPARE(ours.at("classifier.0.weight"), (std::vector<int64_t>{512, 2048, 3, 3}));
        QCOMPARE(ours.at("classifier.4.bias"), (std::vector<int64_t>{21}));
        QVERIFY(!ours.count("backbone.fc.weight"));
        // torchvision's _meta num_params (35,322,218) counts aux_loss=True: less the aux
        // FCNHead(1024, 21) = 1024*256*9 + 2*256 + 256*21 + 21 = 2,365,205.
        const int64_t aux = 1024 * 256 * 9 + 2 * 256 + 256 * 21 + 21;
        QCOMPARE(aux, int64_t(2365205));
        QCOMPARE(parameter_count(*model), int64_t(35322218) - aux);
    }

    void deeplabv3Resnet50HasTorchvisionsNamesAndShapes() {
        auto model = create_model({"deeplabv3_resnet50", 21, 3});
        const Shapes ours = shapes_of(*model), theirs = torchvision_deeplabv3_resnet50(21);
        QVERIFY2(ours == theirs, (difference(ours, theirs) + difference(theirs, ours)).c_str());
        int aspp = 0;
        for (const auto& [name, _] : ours) aspp += starts_with(name, "classifier.0.");
        QCOMPARE(aspp, 6 * (1 + 5));  // 4 branches + pooling + project, each conv + BN
        QCOMPARE(ours.at("classifier.0.convs.2.0.weight"), (std::vector<int64_t>{256, 2048, 3, 3}));
        QCOMPARE(ours.at("classifier.0.convs.4.1.weight"), (std::vector<int64_t>{256, 2048, 1, 1}));
        QCOMPARE(ours.at("classifier.0.project.0.weight"), (std::vector<int64_t>{256, 1280, 1, 1}));
        // torchvision's _meta num_params 42,004,074 (aux_loss=True) less the same aux head.
        QCOMPARE(parameter_count(*model), int64_t(42004074) - 2365205);
        // The dilated 3x3 convs, as torchvision's replace_stride_with_dilation and ASPP.
        auto named = model->named_modules();
        auto conv = [&](const std::string& name) {
            return named[name]->as<torch::nn::Conv2d>()->options;
        };
        QCOMPARE(conv("backbone.layer2.0.conv2").stride()->at(0), int64_t(2));
        QCOMPARE(conv("backbone.layer3.0.conv2").stride()->at(0), int64_t(1));
        QCOMPARE(conv("backbone.layer3.0.conv2").dilation()->at(0), int64_t(1));
        QCOMPARE(conv("backbone.layer3.1.conv2").dilation()->at(0), int64_t(2));
        QCOMPARE(conv("backbone.layer4.0.conv2").dilation()->at(0), int64_t(2));
        QCOMPARE(conv("backbone.layer4.2.conv2").dilation()->at(0), int64_t(4));
        QCOMPARE(
            c10::get<torch::ExpandingArray<2>>(conv("backbone.layer4.2.conv2").padding())->at(0),
            int64_t(4));
        QCOMPARE(conv("backbone.layer4.0.downsample.0").stride()->at(0), int64_t(1));
        QCOMPARE(conv("classifier.0.convs.3.0").dilation()->at(0), int64_t(36));
    }

    void outputHasTheInputsSizeAndStridesAreRight() {
        torch::NoGradGuard no_grad;
        for (const char* name : {"demo_fcn", "demo_deeplabv3"}) {
            auto model = segmentation({name, 5, 1, 4});
            model->eval();
            QCOMPARE(model->output_stride(), int64_t(4));
            QCOMPARE(model->features(torch::randn({2, 1, 64, 64})).sizes().vec(),
                     (std::vector<int64_t>{2, 16, 16, 16}));
            QCOMPARE(model->forward(torch::randn({2, 1, 65, 47})).sizes().vec(),
                     (std::vector<int64_t>{2, 5, 65, 47}));
        }
        for (const char* name : {"fcn_resnet50", "deeplabv3_resnet50"}) {
            auto model = segmentation({name, 21, 3});
            model->eval();
            QCOMPARE(model->output_stride(), int64_t(8));
            QCOMPARE(model->features(torch::randn({1, 3, 64, 64})).sizes().vec(),
                     (std::vector<int64_t>{1, 2048, 8, 8}));
            QCOMPARE(model->forward(torch::randn({1, 3, 65, 47})).sizes().vec(),
                     (std::vector<int64_t>{1, 21, 65, 47}));
        }
    }

    void trainingStepReachesEveryParameter() {
        // The ViT's pos_embed is reached through its resampling to a 3 x 2 grid of patches.
        for (const ModelSpec& spec :
             {ModelSpec{"demo_deeplabv3", 4, 1, 4}, ModelSpec{"fcn_vit_s16", 4, 3}}) {
            auto model = create_model(spec);
            model->train();
            auto logits = model->forward(torch::randn({4, spec.in_channels, 33, 31}));
            auto target = torch::randint(0, 4, {4, 33, 31}, torch::kLong);
            torch::nn::functional::cross_entropy(logits, target).backward();
            for (const auto& p : model->named_parameters())
                QVERIFY2(
                    p.value().grad().defined() && p.value().grad().abs().sum().item<double>() > 0,
                    (spec.name + ": " + p.key()).c_str());
        }
    }

    void vitBackboneHasTimmsNamesAndTakesAClassifierCheckpoint() {
        auto model = segmentation({"fcn_vit_s16", 21, 3});
        const Shapes ours = shapes_of(*model);
        QCOMPARE(ours.at("backbone.pos_embed"), (std::vector<int64_t>{1, 197, 384}));
        QCOMPARE(ours.at("backbone.blocks.11.attn.qkv.weight"), (std::vector<int64_t>{1152, 384}));
        QCOMPARE(ours.at("classifier.0.weight"), (std::vector<int64_t>{96, 384, 3, 3}));
        QCOMPARE(ours.at("classifier.4.weight"), (std::vector<int64_t>{21, 96, 1, 1}));
        QVERIFY(!ours.count("backbone.head.weight"));
        QCOMPARE(model->output_stride(), int64_t(16));
        // timm's vit_small_patch16_224 has 22,050,664 parameters, 385,000 of them in the
        // 1000-class head; FCNHead(384, 21) adds 384*96*9 + 2*96 + 96*21 + 21.
        QCOMPARE(parameter_count(*model),
                 int64_t(22050664 - 385000 + 384 * 96 * 9 + 2 * 96 + 96 * 21 + 21));

        const ModelSpec classifier_spec{"vit_s16", 10, 3};
        auto classifier = create_model(classifier_spec);
        save_checkpoint(path("vit_s16.pt"), classifier_spec, *classifier);
        const LoadReport report = load_pretrained(*model, path("vit_s16.pt"));
        std::map<std::string, torch::Tensor> source;
        for (const auto& [name, t] : state_dict(*classifier)) source[name] = t;
        for (const auto& [name, t] : state_dict(*model))
            if (starts_with(name, "backbone."))
                QVERIFY2(torch::equal(t, source.at(name.substr(9))), name.c_str());
        std::set<std::string> skipped;
        for (const auto& [name, why] : report.skipped) skipped.insert(name);
        QCOMPARE(skipped, (std::set<std::string>{"backbone.head.weight", "backbone.head.bias"}));
        QCOMPARE(report.loaded.size(), source.size() - 2);
        for (const auto& name : report.initialised) QVERIFY(starts_with(name, "classifier."));

        torch::NoGradGuard no_grad;
        model->eval();
        QCOMPARE(model->features(torch::randn({1, 3, 64, 48})).sizes().vec(),
                 (std::vector<int64_t>{1, 384, 4, 3}));
        QCOMPARE(model->forward(torch::randn({1, 3, 65, 47})).sizes().vec(),
                 (std::vector<int64_t>{1, 21, 65, 47}));
    }

    void positionEmbeddingResamplesRowsAsRowsAndColumnsAsColumns() {
        // Channel 0 holds a patch's row, channel 1 its column; on a 14 x 28 grid the rows keep
        // their values exactly (no resize along them) and the columns stretch monotonically.
        const int64_t grid = 14;
        auto pos = torch::zeros({1, 1 + grid * grid, 2});
        pos[0][0] = torch::tensor({-7.0f, -9.0f});  // the class token's entry
        for (int64_t r = 0; r < grid; ++r)
            for (int64_t c = 0; c < grid; ++c)
                pos[0][1 + r * grid + c] = torch::tensor({float(r), float(c)});
        QVERIFY(resample_position_embedding(pos, grid, grid).is_same(pos));
        const auto out = resample_position_embedding(pos, grid, 2 * grid);
        QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{1, 1 + 2 * grid * grid, 2}));
        QVERIFY(torch::equal(out[0][0], pos[0][0]));
        const auto map = out.narrow(1, 1, 2 * grid * grid).reshape({grid, 2 * grid, 2});
        const auto rows = torch::arange(grid, torch::kFloat).unsqueeze(1).expand({grid, 2 * grid});
        QVERIFY(torch::allclose(map.select(2, 0), rows, 0, 1e-5));
        const auto columns = map.select(2, 1);
        QVERIFY(torch::allclose(columns, columns[0].expand_as(columns), 0, 1e-5));
        QVERIFY((columns[0].slice(0, 1) > columns[0].slice(0, 0, -1)).all().item<bool>());
    }

    void dilatedBasicBlocksKeepTheResolution() {
        // torchvision refuses dilated BasicBlocks; ours pad by the dilation like a bottleneck.
        ResNetSpec spec;
        spec.blocks = {1, 2, 2};
        spec.widths = {4, 8, 16};
        spec.small_input_stem = true;
        spec.in_channels = 1;
        spec.dilate = {true, true};
        auto net = std::make_shared<ResNet>(spec);
        QCOMPARE(net->output_stride(), int64_t(1));
        QCOMPARE(net->feature_map(torch::randn({1, 1, 13, 11})).sizes().vec(),
                 (std::vector<int64_t>{1, 16, 13, 11}));
        auto named = net->named_modules();
        auto dilation = [&](const std::string& n) {
            return named[n]->as<torch::nn::Conv2d>()->options.dilation()->at(0);
        };
        QCOMPARE(dilation("layer2.0.conv1"), int64_t(1));  // the stage before's dilation
        QCOMPARE(dilation("layer2.1.conv1"), int64_t(2));
        QCOMPARE(dilation("layer3.0.conv2"), int64_t(2));
        QCOMPARE(dilation("layer3.1.conv2"), int64_t(4));
        // The classifier is unchanged without `dilate`.
        ResNet plain(ResNetSpec{});
        QCOMPARE(plain.output_stride(), int64_t(32));
        QCOMPARE(plain.parameters().size(), size_t(62));
    }

    void demoResnetCheckpointLoadsIntoTheBackbone() {
        const ModelSpec classifier_spec{"demo_resnet", 10, 1, 8};
        auto classifier = create_model(classifier_spec);
        save_checkpoint(path("demo_resnet.pt"), classifier_spec, *classifier);
        auto model = create_model({"demo_fcn", 5, 1, 8});
        const LoadReport report = load_pretrained(*model, path("demo_resnet.pt"));
        std::map<std::string, torch::Tensor> source;
        for (const auto& [name, t] : state_dict(*classifier)) source[name] = t;
        int backbone = 0;
        for (const auto& [name, t] : state_dict(*model)) {
            if (!starts_with(name, "backbone.")) continue;
            ++backbone;
            QVERIFY2(torch::equal(t, source.at(name.substr(9))), name.c_str());
        }
        QCOMPARE(int(report.loaded.size()), backbone);
        QCOMPARE(int(report.loaded.size()), int(source.size()) - 2);
        std::set<std::string> skipped;
        for (const auto& [name, why] : report.skipped) {
            QCOMPARE(why, std::string("not in the model"));
            skipped.insert(name);
        }
        QCOMPARE(skipped, (std::set<std::string>{"backbone.fc.weight", "backbone.fc.bias"}));
        for (const auto& name : report.initialised) QVERIFY(starts_with(name, "classifier."));
        QVERIFY(!report.initialised.empty());
        // Names already in the model's layout are left alone; classifiers are never prefixed.
        StateDict prefixed{{"backbone.conv1.weight", torch::zeros({1})}, {"fc.bias", {}}};
        QCOMPARE(to_model_names(*model, prefixed)[1].first, std::string("fc.bias"));
        QCOMPARE(to_model_names(*classifier, {{"conv1.weight", {}}})[0].first,
                 std::string("conv1.weight"));
        QCOMPARE(to_model_names(*model, {{"conv1.weight", {}}})[0].first,
                 std::string("backbone.conv1.weight"));
    }

    void resetHeadChangesOnlyTheFinalConv() {
        for (const char* name : {"demo_fcn", "demo_deeplabv3"}) {
            auto model = create_model({name, 5, 1, 4});
            std::map<std::string, torch::Tensor> before;
            for (const auto& [n, t] : state_dict(*model)) before[n] = t.clone();
            const std::vector<std::string> order = [&] {
                std::vector<std::string> names;
                for (const auto& [n, t] : state_dict(*model)) names.push_back(n);
                return names;
            }();
            model->reset_head(3);
            QCOMPARE(model->num_classes(), int64_t(3));
            std::vector<std::string> after_order;
            for (const auto& [n, t] : state_dict(*model)) {
                after_order.push_back(n);
                if (starts_with(n, "classifier.4.")) {
                    QCOMPARE(t.size(0), int64_t(3));
                    continue;
                }
                QVERIFY2(torch::equal(t, before.at(n)), n.c_str());
            }
            QCOMPARE(after_order, order);  // same names, same order
            model->eval();
            torch::NoGradGuard no_grad;
            QCOMPARE(model->forward(torch::randn({1, 1, 20, 20})).size(1), int64_t(3));
        }
    }

    void torchvisionStateDictWithAuxHeadLoads() {
        // torchvision's .pth files for fcn/deeplabv3 carry aux_classifier.* (FCNHead on layer3):
        // those are skipped, everything else loads. First the real layout, in memory.
        {
            auto model = create_model({"fcn_resnet50", 21, 3});
            Shapes shapes = torchvision_fcn_resnet50(21);
            add_fcn_head(shapes, "aux_classifier.", 1024, 21);
            StateDict state;
            for (const auto& [name, shape] : shapes)
                state.emplace_back(name, name.find("num_batches") != std::string::npos
                                             ? torch::zeros(shape, torch::kLong)
                                         : name.find("running_var") != std::string::npos
                                             ? torch::rand(shape) + 0.5  // variances are positive
                                             : torch::randn(shape));
            const LoadReport report = load_state_dict(*model, state);
            QCOMPARE(report.skipped.size(), size_t(8));
            for (const auto& [name, why] : report.skipped)
                QVERIFY2(starts_with(name, "aux_classifier."), name.c_str());
            QVERIFY(report.initialised.empty());
        }
        // Then through a torch.save file and load_pretrained, with the values compared.
        auto source = create_model({"demo_deeplabv3", 6, 1, 4});
        StateDict state = state_dict(*source);
        Shapes aux;
        add_fcn_head(aux, "aux_classifier.", 8, 6);
        for (const auto& [name, shape] : aux) state.emplace_back(name, torch::randn(shape));
        write_torch_file(path("deeplab.pth"), state);
        auto model = create_model({"demo_deeplabv3", 6, 1, 4});
        const LoadReport report = load_pretrained(*model, path("deeplab.pth"));
        QCOMPARE(report.loaded.size(), state_dict(*model).size());
        QCOMPARE(report.skipped.size(), aux.size());
        for (const auto& [name, why] : report.skipped) {
            QVERIFY2(starts_with(name, "aux_classifier."), name.c_str());
            QCOMPARE(why, std::string("not in the model"));
        }
        QVERIFY(report.initialised.empty());
        auto expected = state_dict(*source);
        auto got = state_dict(*model);
        for (std::size_t i = 0; i < got.size(); ++i)
            QVERIFY2(torch::equal(got[i].second, expected[i].second), got[i].first.c_str());
    }

    void logitsMatchTorchvision() {
        // tests/tools/segmentation_reference.py writes, with PyTorch and torchvision, seeded
        // random models' state dicts, an input and torchvision's logits for it: into
        // TPGM_SEG_REFERENCE when that is set, otherwise here, with Debian's python3-torch.
        QTemporaryDir generated;
        const char* folder = std::getenv("TPGM_SEG_REFERENCE");
        fs::path dir = folder && *folder ? fs::path(folder) : fs::path();
        if (dir.empty()) {
            if (!python_has_torchvision())
                QSKIP(
                    "TPGM_SEG_REFERENCE is not set and /usr/bin/python3 has no torch with "
                    "torchvision (apt install python3-torch python3-torchvision)");
            QVERIFY(generated.isValid());
            dir = generated.path().toStdString();
            const QString failure = write_torchvision_reference(dir);
            QVERIFY2(failure.isEmpty(), qPrintable(failure));
        }
        const torch::Tensor input = read_safetensors((dir / "input.safetensors").string())
                                        .state.at(0)
                                        .second.to(torch::kFloat);
        torch::NoGradGuard no_grad;
        for (const char* name : {"fcn_resnet50", "deeplabv3_resnet50", "fcn_vit_s16"}) {
            const std::string weights = (dir / (std::string(name) + ".safetensors")).string();
            const std::string logits = (dir / (std::string(name) + "_logits.safetensors")).string();
            QVERIFY2(fs::exists(weights) && fs::exists(logits), weights.c_str());
            const torch::Tensor reference = read_safetensors(logits).state.at(0).second;
            auto model = create_model({name, reference.size(1), input.size(1)});
            const LoadReport report = load_pretrained(*model, weights);
            QVERIFY2(report.initialised.empty(), report.summary().c_str());
            model->eval();
            const torch::Tensor ours = model->forward(input);
            QCOMPARE(ours.sizes().vec(), reference.sizes().vec());
            const double scale = std::max(1.0, reference.abs().max().item<double>());
            const double error = (ours - reference).abs().max().item<double>();
            qInfo("%s: max |ours - torchvision| %.3g at logit scale %.3g", name, error, scale);
            QVERIFY2(error <= 1e-4 * scale,
                     (std::string(name) + ": max |difference| " + std::to_string(error) +
                      " at scale " + std::to_string(scale))
                         .c_str());
        }
    }

    void demoModelsBackpropagateToEveryWeight() {
        // Forward + backward through each demo model reaches every parameter with a finite,
        // non-zero gradient. With TPGM_SEG_TIMING=1 it also times the step the demo trains
        // (a batch of 32 64x64 grey images at width 16, one thread, best of 3).
        const bool timing = std::getenv("TPGM_SEG_TIMING") != nullptr;
        const int threads = torch::get_num_threads();
        if (timing) torch::set_num_threads(1);
        for (const char* name : {"demo_resnet", "demo_fcn", "demo_deeplabv3"}) {
            torch::manual_seed(0);
            auto model = create_model({name, 5, 1, 16});
            model->train();
            const auto x = torch::randn({timing ? 32 : 2, 1, 64, 64});
            double best = 1e9;
            for (int i = 0; i < (timing ? 3 : 1); ++i) {
                const auto t0 = std::chrono::steady_clock::now();
                model->zero_grad();
                model->forward(x).square().mean().backward();
                best = std::min(
                    best,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            }
            for (const auto& p : model->named_parameters()) {
                const auto& g = p.value().grad();
                QVERIFY2(g.defined() && torch::isfinite(g).all().item<bool>() &&
                             g.abs().sum().item<double>() > 0,
                         (std::string(name) + ": no usable gradient for " + p.key()).c_str());
            }
            if (timing) qInfo("%s: forward+backward %.3f s (best of 3)", name, best);
        }
        torch::set_num_threads(threads);
    }
};

QTEST_APPLESS_MAIN(TestSegmentationModels)
#include "test_segmentation_models.moc"
