// SPDX-License-Identifier: GPL-3.0-or-later
// The project's checkpoints: round trips, clear errors for bad files, shape checks, and atomic
// writes that survive a full disk.
#include "checkpoints/checkpoint.h"
#include "checkpoints/torch_zip_reader.h"
#include "config/config_schema.h"
#include "data/image_file.h"
#include "engine/evaluator.h"
#include "files/atomic_file.h"
#include "models/registry.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>
#include <QtTest/QtTest>
#include <opencv2/imgcodecs.hpp>

#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>

using namespace tpgm;
namespace fs = std::filesystem;

namespace {
std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}
}  // namespace

class TestCheckpoint : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::string path(const char* name) {
        return (fs::path(dir_.path().toStdString()) / name).string();
    }

  private Q_SLOTS:
    void configModelChoicesAreTheRegistry() {
        std::vector<std::string> registry;
        for (const auto& [name, doc] : model_catalogue()) registry.push_back(name);
        auto choices = find_config_field("model")->choices;
        std::sort(registry.begin(), registry.end());
        std::sort(choices.begin(), choices.end());
        QCOMPARE(choices, registry);
    }

    void roundTripGivesTheSameLogits() {
        torch::manual_seed(1);
        const ModelSpec spec{"demo_resnet", 7, 1, 4};
        auto model = create_model(spec);
        model->eval();
        auto x = torch::randn({2, 1, 16, 16});
        save_checkpoint(path("a.pt"), spec, *model);
        auto loaded = load_model(path("a.pt"));
        loaded->eval();
        QCOMPARE(loaded->num_classes(), int64_t(7));
        QVERIFY(torch::equal(model->forward(x), loaded->forward(x)));
    }

    void modelsThatDoNotFitTheDataAreNamed() {
        const ModelSpec spec{"demo_resnet", 10, 3, 4};  // RGB, as a folders run's baseline
        save_checkpoint(path("rgb.pt"), spec, *create_model(spec));
        RunSets demo_like;
        demo_like.channels = 1;
        demo_like.class_names.assign(10, "c");
        try {
            load_model_for(path("rgb.pt"), demo_like);
            QFAIL("a 3-channel model was accepted for 1-channel data");
        } catch (const CheckpointError& e) {
            const std::string what = e.what();
            QVERIFY2(what.find("rgb.pt") != std::string::npos &&
                         what.find("3-channel") != std::string::npos &&
                         what.find("1-channel") != std::string::npos,
                     what.c_str());
        }
        demo_like.channels = 3;
        QCOMPARE(load_model_for(path("rgb.pt"), demo_like)->num_classes(), int64_t(10));
        // A head of billions of outputs or a model without input channels is refused up front.
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 create_model({"resnet18", 2000000000, 3, 16}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, create_model({"resnet18", 10, 0, 16}));
    }

    void torchvisionNamesAreUsed() {
        auto model = create_model({"resnet18", 1000, 3, 16});
        std::set<std::string> names;
        for (const auto& [n, _] : state_dict(*model)) names.insert(n);
        for (const char* expected :
             {"conv1.weight", "bn1.running_mean", "layer1.0.conv1.weight",
              "layer2.0.downsample.0.weight", "layer2.0.downsample.1.num_batches_tracked",
              "layer4.1.bn2.bias", "fc.weight", "fc.bias"})
            QVERIFY2(names.count(expected), expected);
        QCOMPARE(names.size(),
                 std::size_t(122));  // torchvision resnet18 state_dict has 122 entries
        int64_t params = 0;
        for (const auto& p : model->parameters()) params += p.numel();
        QCOMPARE(params, int64_t(11689512));  // torchvision resnet18
    }

    void missingAndTruncatedFilesAreClearErrors() {
        QVERIFY_EXCEPTION_THROWN(read_checkpoint(path("missing.pt")), CheckpointError);
        const ModelSpec spec{"demo_resnet", 3, 1, 4};
        save_checkpoint(path("full.pt"), spec, *create_model(spec));
        const std::string bytes = read_bytes(path("full.pt"));
        for (double fraction : {0.0, 0.1, 0.5, 0.9, 0.999}) {
            std::ofstream(path("cut.pt"), std::ios::binary)
                << bytes.substr(0, bytes.size() * fraction);
            bool threw = false;
            try {
                read_checkpoint(path("cut.pt"));
            } catch (const CheckpointError& e) {
                threw = std::string(e.what()).find("cut.pt") != std::string::npos;
            }
            QVERIFY2(threw, qPrintable(QString("truncated at %1").arg(fraction)));
        }
        std::ofstream(path("text.pt")) << "not a checkpoint";
        QVERIFY_EXCEPTION_THROWN(read_checkpoint(path("text.pt")), CheckpointError);
    }

    void hostilePicklesNeverReachLibTorchsUnpickler() {
        // A workbench checkpoint is read by LibTorch's own unpickler, which recursed into a
        // list nested a million deep (a 3 KB file: SIGSEGV) and sized its memo by any index.
        const auto archive = [&](const char* name, const std::string& data_pkl) {
            caffe2::serialize::PyTorchStreamWriter writer(path(name));
            const std::string constants = "\x80\x02).";
            writer.writeRecord("data.pkl", data_pkl.data(), data_pkl.size());
            writer.writeRecord("constants.pkl", constants.data(), constants.size());
            writer.writeEndOfFile();
            return path(name);
        };
        const auto refusal = [](const std::string& file) -> std::string {
            try {
                read_checkpoint(file);
            } catch (const CheckpointError& e) {
                return e.what();
            }
            return "accepted";
        };
        const auto nested = [](int depth) {  // [[[...]]] with APPENDS, as LibTorch reads it
            std::string p = "\x80\x02]";
            for (int k = 1; k < depth; ++k) p += "(]";
            return p + std::string(depth - 1, 'e') + ".";
        };
        std::string error = refusal(archive("deep.pt", nested(1000000)));
        QVERIFY2(error.find("deep.pt") != std::string::npos &&
                     error.find("data.pkl") != std::string::npos &&
                     error.find("nested more than 200 deep") != std::string::npos,
                 error.c_str());
        // Depth hidden behind memo references: each list is put in its parent while still empty
        // (BINGET parent, BINGET child, APPEND), then filled later.
        const auto op = [](std::initializer_list<int> bytes) {
            std::string out;
            for (int b : bytes) out += static_cast<char>(b);
            return out;
        };
        std::string hidden = op({0x80, 2, ']', 'q', 0});  // list 0, memo 0
        for (int k = 1; k < 255; ++k)  // list k, memo k; then list k-1 gets list k
            hidden += op({']', 'q', k, '0', 'h', k - 1, 'h', k, 'a', '0'});
        hidden += '.';
        error = refusal(archive("hidden.pt", hidden));
        QVERIFY2(error.find("nested more than 200 deep") != std::string::npos, error.c_str());
        // A memo index of 2^28 in a pickle of a few bytes, and a list that holds itself.
        error = refusal(archive("memo.pt", op({0x80, 2, ']', 'r', 0, 0, 0, 0x10, '.'})));
        QVERIFY2(error.find("memo index 268435456 beyond") != std::string::npos, error.c_str());
        error = refusal(archive("cycle.pt", op({0x80, 2, ']', 'q', 0, 'h', 0, 'a', '.'})));
        QVERIFY2(error.find("reference cycle") != std::string::npos, error.c_str());
        // Just inside the limit: not refused for its depth (LibTorch then finds no checkpoint).
        error = refusal(archive("deep200.pt", nested(200)));
        QVERIFY2(error.find("nested") == std::string::npos && error != "accepted", error.c_str());
        // Real archives pass, far inside the limit: a workbench checkpoint and TorchScript.
        const ModelSpec spec{"demo_resnet", 3, 1, 4};
        save_checkpoint(path("real.pt"), spec, *create_model(spec));
        check_archive_pickles(path("real.pt"));
        check_archive_pickles(TPGM_TEST_DATA_DIR "/resnet_basic.ts");
    }

    void brokenStatisticsAreRefusedAndNaNOutputsAreNoAccuracy() {
        // A pre-trained file with a negative BatchNorm variance trained to NaN and reported
        // "completed" with an accuracy (NaN logits scored as class 0).
        const ModelSpec spec{"demo_resnet", 3, 1, 4};
        auto model = create_model(spec);
        StateDict state = state_dict(*model);
        auto broken = [&](const std::string& name, const torch::Tensor& value) {
            StateDict s = state;
            for (auto& [n, t] : s)
                if (n == name) t = value;
            try {
                load_state_dict(*create_model(spec), s);
            } catch (const CheckpointError& e) {
                return std::string(e.what());
            }
            return std::string("accepted");
        };
        std::string var_name, weight_name;
        torch::Tensor var, weight;
        for (const auto& [n, t] : state) {
            if (var_name.empty() && n.find("running_var") != std::string::npos)
                var_name = n, var = t;
            if (weight_name.empty() && n.find("conv") != std::string::npos)
                weight_name = n, weight = t;
        }
        QVERIFY(!var_name.empty() && !weight_name.empty());
        std::string error = broken(var_name, var.clone().fill_(-0.5));
        QVERIFY2(error.find(var_name + " holds a negative BatchNorm variance") != std::string::npos,
                 error.c_str());
        auto nan_weight = weight.clone();
        nan_weight.view(-1)[0] = std::nan("");
        error = broken(weight_name, nan_weight);
        QVERIFY2(error.find(weight_name + " holds NaN or infinite values") != std::string::npos,
                 error.c_str());
        QCOMPARE(broken(var_name, var.clone().fill_(0.0)), std::string("accepted"));
        // A model whose outputs are NaN has no accuracy: evaluation says why, naming the set.
        {
            torch::NoGradGuard no_grad;
            for (auto& p : model->parameters()) p.fill_(std::nan(""));
        }
        TensorDataset set{"sketchy", torch::zeros({5, 1, 16, 16}, torch::kUInt8),
                          torch::zeros({5}, torch::kInt64)};
        error = "evaluated";
        try {
            evaluate(*model, set, Normalization{}, torch::kCPU);
        } catch (const std::runtime_error& e) {
            error = e.what();
        }
        QVERIFY2(error.find("outputs on 'sketchy' (images 1 to 5) are NaN or infinite") !=
                     std::string::npos,
                 error.c_str());
    }

    void shapeMismatchIsNamedAndLeavesTheModelUnchanged() {
        auto small = create_model({"demo_resnet", 3, 1, 4});
        auto wide = create_model({"demo_resnet", 3, 1, 8});
        const auto before = state_dict(*small).front().second.clone();
        bool named = false;
        try {
            load_state_dict(*small, state_dict(*wide));
        } catch (const CheckpointError& e) {
            named = std::string(e.what()).find("conv1.weight") != std::string::npos;
        }
        QVERIFY(named);
        QVERIFY(torch::equal(state_dict(*small).front().second, before));
    }

    void newHeadIsReportedAsInitialised() {
        auto pre = create_model({"demo_resnet", 5, 1, 4});
        auto ft = create_model({"demo_resnet", 10, 1, 4});
        const LoadReport r = load_state_dict(*ft, state_dict(*pre), {"fc."});
        QCOMPARE(r.initialised.size(), std::size_t(2));
        QCOMPARE(r.skipped.size(), std::size_t(2));
        QVERIFY(r.summary().find("fc.weight") != std::string::npos);
    }

    void specialFilesAndLinksAreNeverReplaced() {
        QTemporaryDir tmp;
        const std::string fifo = tmp.filePath("fifo").toStdString();
        QCOMPARE(::mkfifo(fifo.c_str(), 0644), 0);
        const std::string target = tmp.filePath("target").toStdString();
        std::ofstream(target) << "keep me";
        const std::string link = tmp.filePath("link").toStdString();
        fs::create_symlink(target, link);
        const std::string fifo_png = tmp.filePath("fifo.png").toStdString();
        QCOMPARE(::mkfifo(fifo_png.c_str(), 0644), 0);
        const std::string link_png = tmp.filePath("link.png").toStdString();
        fs::create_symlink(target, link_png);
        const cv::Mat image(4, 6, CV_8UC3, cv::Scalar(10, 20, 30));
        // The files the tools write: run files, and images (predict -o link.png overwrote the
        // link's target; -o fifo.png hung).
        const std::vector<std::pair<std::string, std::function<void()>>> writes = {
            {fifo, [&] { write_file_atomically(fifo, "new bytes"); }},
            {link, [&] { write_file_atomically(link, "new bytes"); }},
            {fifo_png, [&] { write_image_file(fifo_png, image); }},
            {link_png, [&] { write_image_file(link_png, image); }}};
        for (const auto& [path, write] : writes) {
            try {
                write();
                QFAIL(("replaced " + path).c_str());
            } catch (const std::runtime_error& e) {
                QVERIFY2(std::string(e.what()).find("not a regular file") != std::string::npos &&
                             std::string(e.what()).find(path) != std::string::npos,
                         e.what());
            }
        }
        QVERIFY(fs::is_fifo(fifo) && fs::is_fifo(fifo_png));
        QVERIFY(fs::is_symlink(link) && fs::is_symlink(link_png));
        QCOMPARE(read_bytes(target), std::string("keep me"));
        // An ordinary image file is written, and read back as it was.
        const std::string png = tmp.filePath("plain.png").toStdString();
        write_image_file(png, image);
        QCOMPARE(cv::norm(cv::imread(png), image, cv::NORM_INF), 0.0);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error,
                                 write_image_file(tmp.filePath("x.unknown").toStdString(), image));
    }

    void fullDiskKeepsThePreviousFile() {
        const std::string target = path("atomic.bin");
        write_file_atomically(target, std::string(1000, 'a'));
        // A file-size limit makes write() fail part-way, as a full disk does.
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit old{};
        getrlimit(RLIMIT_FSIZE, &old);
        rlimit limited = old;
        limited.rlim_cur = 4096;
        setrlimit(RLIMIT_FSIZE, &limited);
        bool threw = false;
        try {
            write_file_atomically(target, std::string(100000, 'b'));
        } catch (const std::runtime_error& e) {
            threw = std::string(e.what()).find("atomic.bin") != std::string::npos;
        }
        setrlimit(RLIMIT_FSIZE, &old);
        QVERIFY(threw);
        QCOMPARE(read_bytes(target), std::string(1000, 'a'));
        for (const auto& entry : fs::directory_iterator(dir_.path().toStdString()))
            QVERIFY2(entry.path().filename().string().find(".tmp.") == std::string::npos,
                     "temporary file left");
    }
};

QTEST_APPLESS_MAIN(TestCheckpoint)
#include "test_checkpoint.moc"
