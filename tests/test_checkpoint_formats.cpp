// SPDX-License-Identifier: GPL-3.0-or-later
// Foreign checkpoint formats: torch.save zip files (bare state dicts and MoCo-style wrappers),
// TorchScript archives and safetensors, checked against logits PyTorch computed
// (tests/data/make_reference.py), plus round trips through our writers and fuzz-style hostile
// input.
#include "checkpoints/checkpoint.h"
#include "checkpoints/key_map.h"
#include "checkpoints/safetensors.h"
#include "checkpoints/torch_zip_reader.h"
#include "checkpoints/torch_zip_writer.h"
#include "checkpoints/torchscript.h"
#include "models/registry.h"
#include "models/resnet.h"
#include "models/vit.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>
#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <random>

using namespace tpgm;
namespace fs = std::filesystem;

namespace {

std::string data(const char* name) {
    return std::string(TPGM_TEST_DATA_DIR) + "/" + name;
}

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

torch::Tensor reference(const std::string& key) {
    static const auto ref = read_safetensors(data("reference.safetensors")).state;
    for (const auto& [name, t] : ref)
        if (name == key) return t;
    throw std::runtime_error("no reference tensor " + key);
}

std::shared_ptr<ResNet> basic_resnet(int64_t classes = 10) {
    ResNetSpec s;
    s.blocks = {1, 1, 1, 1};
    s.widths = {8, 16, 32, 64};
    s.num_classes = classes;
    return std::make_shared<ResNet>(s);
}

std::shared_ptr<ResNet> bottleneck_resnet() {
    ResNetSpec s;
    s.bottleneck = true;
    s.blocks = {1, 1, 1, 1};
    s.widths = {4, 8, 16, 32};
    s.num_classes = 7;
    return std::make_shared<ResNet>(s);
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
    return (a - b).abs().max().item<double>();
}

torch::Tensor logits(Classifier& m, const torch::Tensor& x) {
    torch::NoGradGuard ng;
    m.eval();
    return m.forward(x);
}

// A zip archive like torch.save's with the given data.pkl and storage records.
std::string zip_with(const std::string& pkl,
                     const std::vector<std::pair<std::string, std::string>>& records) {
    std::string zip;
    caffe2::serialize::PyTorchStreamWriter w([&](const void* b, size_t n) {
        zip.append(static_cast<const char*>(b), n);
        return n;
    });
    w.writeRecord("data.pkl", pkl.data(), pkl.size());
    for (const auto& [name, bytes] : records) w.writeRecord(name, bytes.data(), bytes.size());
    w.writeEndOfFile();
    return zip;
}

// Either a valid result or a CheckpointError: anything else (another exception, a crash) fails.
template <typename F>
int expect_clean(F&& f) {
    try {
        f();
        return 0;
    } catch (const CheckpointError&) {
        return 1;
    }
}

}  // namespace

class TestCheckpointFormats : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::string path(const char* name) {
        return (fs::path(dir_.path().toStdString()) / name).string();
    }

  private Q_SLOTS:
    void initTestCase() { torch::manual_seed(0); }

    void torchSaveStateDictMatchesPyTorch() {
        QCOMPARE(detect_checkpoint_format(data("resnet_basic.pth")), CheckpointFormat::TorchSave);
        const auto contents = read_torch_file(data("resnet_basic.pth"));
        QVERIFY(contents.wrapper.empty());
        QVERIFY(!contents.state.empty());
        auto model = basic_resnet();
        const LoadReport report = load_pretrained(*model, data("resnet_basic.pth"));
        QCOMPARE(report.loaded.size(), state_dict(*model).size());
        QVERIFY(report.initialised.empty());
        const auto diff = max_diff(logits(*model, reference("resnet_basic.input")),
                                   reference("resnet_basic.logits"));
        QVERIFY2(diff < 1e-4, std::to_string(diff).c_str());
    }

    void safetensorsMatchesPyTorch() {
        QCOMPARE(detect_checkpoint_format(data("resnet_basic.safetensors")),
                 CheckpointFormat::Safetensors);
        auto model = basic_resnet();
        load_pretrained(*model, data("resnet_basic.safetensors"));
        const auto diff = max_diff(logits(*model, reference("resnet_basic.input")),
                                   reference("resnet_basic.logits"));
        QVERIFY2(diff < 1e-4, std::to_string(diff).c_str());
    }

    void mocoWrapperLoadsWithPrefixRules() {
        const auto contents = read_torch_file(data("moco_bottleneck.pth"));
        QCOMPARE(contents.wrapper, std::string("state_dict"));
        QVERIFY(std::count(contents.top_level_keys.begin(), contents.top_level_keys.end(),
                           "optimizer") == 1);
        auto model = bottleneck_resnet();
        const LoadReport report = load_pretrained(*model, data("moco_bottleneck.pth"));
        bool predictor_skipped = false;
        for (const auto& [name, why] : report.skipped)
            predictor_skipped |= name == "predictor.0.weight";
        QVERIFY(predictor_skipped);
        const auto diff = max_diff(logits(*model, reference("moco_bottleneck.input")),
                                   reference("moco_bottleneck.logits"));
        QVERIFY2(diff < 1e-4, std::to_string(diff).c_str());
        // Without the rules nothing fits.
        PretrainedOptions raw;
        raw.rules.clear();
        QVERIFY_THROWS_EXCEPTION(
            CheckpointError,
            load_pretrained(*bottleneck_resnet(), data("moco_bottleneck.pth"), raw));
    }

    void newHeadIsReportedAsInitialised() {
        auto model = basic_resnet(3);
        const LoadReport report = load_pretrained(*model, data("resnet_basic.pth"));
        QCOMPARE(report.initialised.size(), std::size_t(2));
        QVERIFY(report.summary().find("fc.weight") != std::string::npos);
    }

    void torchScriptRunsFineTunesAndSaves() {
        QCOMPARE(detect_checkpoint_format(data("resnet_basic.ts")), CheckpointFormat::TorchScript);
        auto ts = TorchScriptModel::load(data("resnet_basic.ts"));
        QCOMPARE(ts->head_prefix(), std::string("fc."));
        QCOMPARE(ts->num_classes(), int64_t(10));
        const auto x = reference("resnet_basic.input");
        auto diff = max_diff(logits(*ts, x), reference("resnet_basic.logits"));
        QVERIFY2(diff < 1e-4, std::to_string(diff).c_str());
        // Its weights also load into the native architecture.
        auto native = basic_resnet();
        load_pretrained(*native, data("resnet_basic.ts"));
        QVERIFY(max_diff(logits(*native, x), reference("resnet_basic.logits")) < 1e-4);
        // New head, one SGD step on the mirrored parameters changes the scripted forward.
        ts->reset_head(4);
        QCOMPARE(ts->num_classes(), int64_t(4));
        QCOMPARE(state_dict(*ts).size(), state_dict(*native).size());
        ts->train();
        torch::optim::SGD opt(ts->parameters(), 0.1);
        auto loss = torch::nn::functional::cross_entropy(ts->forward(x), torch::tensor({1, 2}));
        loss.backward();
        QVERIFY(ts->named_parameters()["conv1.weight"].grad().defined());
        const auto before = logits(*ts, x);
        opt.step();
        const auto after = logits(*ts, x);
        QVERIFY(max_diff(before, after) > 1e-6);
        ts->save(path("tuned.ts"));
        auto again = TorchScriptModel::load(path("tuned.ts"));
        QCOMPARE(again->num_classes(), int64_t(4));
        QVERIFY(max_diff(logits(*again, x), after) < 1e-5);
    }

    void vitLoadsTimmNames() {
        ViTSpec s{32, 16, 32, 2, 2, 4, 3, 10};
        ViT vit(s);
        const LoadReport report = load_pretrained(vit, data("vit_tiny.safetensors"));
        QCOMPARE(report.loaded.size(), state_dict(vit).size());
        const auto diff =
            max_diff(logits(vit, reference("vit_tiny.input")), reference("vit_tiny.logits"));
        QVERIFY2(diff < 1e-4, std::to_string(diff).c_str());
        auto big = create_model({"vit_s16", 5, 3, 16});
        QCOMPARE(big->head_prefix(), std::string("head."));
        QCOMPARE(big->num_classes(), int64_t(5));
        bool has_qkv = false;
        for (const auto& [name, t] : state_dict(*big))
            has_qkv |= name == "blocks.11.attn.qkv.weight";
        QVERIFY(has_qkv);
    }

    void writersRoundTripAndPrefixesStrip() {
        auto model = basic_resnet();
        load_pretrained(*model, data("resnet_basic.pth"));
        StateDict prefixed;
        for (const auto& [name, t] : state_dict(*model)) prefixed.emplace_back("module." + name, t);
        prefixed.emplace_back("extra.half", torch::randn({3, 2}).to(torch::kHalf));
        prefixed.emplace_back("extra.mask", torch::tensor({true, false, true}));
        prefixed.emplace_back("extra.strided", torch::arange(12).reshape({3, 4}).t());
        write_torch_file(path("dp.pth"), prefixed);
        write_safetensors(path("dp.safetensors"), prefixed, {{"format", "pt"}});
        for (const char* f : {"dp.pth", "dp.safetensors"}) {
            auto fresh = basic_resnet();
            const LoadReport report = load_pretrained(*fresh, path(f));
            QCOMPARE(report.skipped.size(), std::size_t(3));
            QVERIFY(max_diff(logits(*fresh, reference("resnet_basic.input")),
                             reference("resnet_basic.logits")) < 1e-4);
            const auto back = read_pretrained_state(path(f)).state;
            QCOMPARE(back.size(), prefixed.size());
            for (std::size_t k = 0; k < back.size(); ++k) {
                const std::string& name = back[k].first;
                const torch::Tensor& t = back[k].second;
                auto it = std::find_if(prefixed.begin(), prefixed.end(),
                                       [&](const auto& p) { return p.first == name; });
                QVERIFY(it != prefixed.end());
                QCOMPARE(t.scalar_type(), it->second.scalar_type());
                QVERIFY(torch::equal(t, it->second.contiguous()));
            }
        }
        QCOMPARE(read_safetensors(path("dp.safetensors")).metadata.at("format"), std::string("pt"));
        // Detection is by content: a torch.save file named .safetensors is still torch.save.
        fs::copy_file(path("dp.pth"), path("misnamed.safetensors"));
        QCOMPARE(detect_checkpoint_format(path("misnamed.safetensors")),
                 CheckpointFormat::TorchSave);
        save_checkpoint(path("own.ckpt"), {"demo_resnet", 3, 1, 4},
                        *create_model({"demo_resnet", 3, 1, 4}));
        QCOMPARE(detect_checkpoint_format(path("own.ckpt")), CheckpointFormat::Workbench);
        write_bytes(path("junk.bin"), "hello world, not a checkpoint");
        QCOMPARE(detect_checkpoint_format(path("junk.bin")), CheckpointFormat::Unknown);
        QVERIFY_THROWS_EXCEPTION(CheckpointError, read_pretrained_state(path("junk.bin")));
        QVERIFY_THROWS_EXCEPTION(CheckpointError, read_pretrained_state(path("absent.pth")));
    }

    void keyRulesParse() {
        const auto rules = parse_key_rules("module.=>, backbone.=>encoder.\nfc.=>head.");
        QCOMPARE(rules.size(), std::size_t(3));
        QCOMPARE(rules[1].to, std::string("encoder."));
        const auto mapped = apply_key_rules(
            {{"backbone.x", torch::zeros({1})}, {"other", torch::zeros({1})}}, rules);
        QCOMPARE(mapped[0].first, std::string("encoder.x"));
        QCOMPARE(mapped[1].first, std::string("other"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, parse_key_rules("no arrow"));
    }

    void truncatedAndFlippedFilesFailCleanly() {
        const std::string pth = read_bytes(data("moco_bottleneck.pth"));
        const std::string st = read_bytes(data("vit_tiny.safetensors"));
        int errors = 0;
        for (std::size_t cut = 0; cut < pth.size(); cut += 1 + cut / 8)
            errors += expect_clean([&] { read_torch_bytes(pth.substr(0, cut)); });
        for (std::size_t cut = 0; cut < st.size(); cut += 1 + cut / 8)
            errors += expect_clean([&] { read_safetensors_bytes(st.substr(0, cut)); });
        QVERIFY(errors > 50);
        std::mt19937 rng(7);
        for (int trial = 0; trial < 300; ++trial) {
            std::string a = pth, b = st;
            for (int k = 0; k < 4; ++k) {
                a[rng() % std::min<std::size_t>(a.size(), 4096)] ^=
                    static_cast<char>(1 + rng() % 255);
                a[rng() % a.size()] ^= static_cast<char>(1 + rng() % 255);
                b[rng() % std::min<std::size_t>(b.size(), 4096)] ^=
                    static_cast<char>(1 + rng() % 255);
            }
            expect_clean([&] { read_torch_bytes(a); });
            expect_clean([&] { read_safetensors_bytes(b); });
        }
        // Truncated files on disk through every loader, TorchScript included.
        const std::string ts = read_bytes(data("resnet_basic.ts"));
        for (std::size_t cut : {std::size_t(0), std::size_t(10), ts.size() / 3, ts.size() - 30}) {
            write_bytes(path("cut.ts"), ts.substr(0, cut));
            QVERIFY_THROWS_EXCEPTION(CheckpointError,
                                     load_pretrained(*basic_resnet(), path("cut.ts")));
        }
    }

    void unreadableFilesSayWhy() {
        auto message = [](const std::string& file) -> std::string {
            try {
                read_pretrained_state(file);
            } catch (const CheckpointError& e) {
                return e.what();
            }
            return "(accepted)";
        };
        const std::string pth = read_bytes(data("moco_bottleneck.pth"));
        write_bytes(path("half.pth"), pth.substr(0, pth.size() / 2));
        QVERIFY2(message(path("half.pth")).find("truncated") != std::string::npos,
                 message(path("half.pth")).c_str());
        // PyTorch < 1.6 wrote a bare pickle: PROTO 2, then the magic number as a LONG1.
        write_bytes(path("legacy.pth"),
                    std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50"
                                "\x19."));
        QVERIFY2(message(path("legacy.pth")).find("legacy") != std::string::npos,
                 message(path("legacy.pth")).c_str());
        write_bytes(path("plain.txt"), "hello");
        QVERIFY2(message(path("plain.txt")).find("not a torch.save zip") != std::string::npos,
                 message(path("plain.txt")).c_str());
        // A pickle that would call os.system: named as a non-tensor global, never run.
        using namespace std::string_literals;
        const std::string evil =
            "\x80\x02"
            "cos\nsystem\nX\x04\0\0\0echo\x85R."s;
        try {
            read_torch_bytes(zip_with(evil, {}));
            QFAIL("a pickle calling os.system was accepted");
        } catch (const CheckpointError& e) {
            const std::string what = e.what();
            QVERIFY2(what.find("'os.system'") != std::string::npos &&
                         what.find("non-tensor global") != std::string::npos,
                     what.c_str());
        }
    }

    void mutatedPicklesFailCleanly() {
        // Mutate data.pkl itself and re-zip it, so the zip's checksums do not hide the mutations
        // from the pickle machine (500 cases here; 40 000 ran clean under ASan/UBSan by hand).
        caffe2::serialize::PyTorchStreamReader reader(data("moco_bottleneck.pth"));
        auto [ptr, size] = reader.getRecord("data.pkl");
        const std::string pkl(static_cast<const char*>(ptr.get()), size);
        std::vector<std::pair<std::string, std::string>> storages;
        for (const auto& name : reader.getAllRecords())
            if (name.rfind("data/", 0) == 0) {
                auto [p, n] = reader.getRecord(name);
                storages.emplace_back(name, std::string(static_cast<const char*>(p.get()), n));
            }
        std::mt19937 rng(11);
        int rejected = 0;
        for (int trial = 0; trial < 500; ++trial) {
            std::string m = pkl;
            for (int k = 0, n = 1 + rng() % 8; k < n; ++k) {
                const std::size_t at = rng() % m.size();
                switch (rng() % 4) {
                    case 0:
                        m[at] ^= static_cast<char>(1 + rng() % 255);
                        break;
                    case 1:
                        m[at] = static_cast<char>(rng() % 256);
                        break;
                    case 2:
                        m.erase(at, 1 + rng() % 8);
                        break;
                    default:
                        m.insert(at, m.substr(rng() % m.size(), 1 + rng() % 16));
                        break;
                }
            }
            rejected += expect_clean([&] { read_torch_bytes(zip_with(m, storages)); });
        }
        QVERIFY(rejected > 250);
    }

    void hostileSafetensorsHeaders() {
        auto make = [](const std::string& header, std::size_t data_bytes,
                       uint64_t len = UINT64_MAX) {
            if (len == UINT64_MAX) len = header.size();
            std::string out(8, '\0');
            for (int k = 0; k < 8; ++k) out[k] = static_cast<char>((len >> (8 * k)) & 0xff);
            return out + header + std::string(data_bytes, '\0');
        };
        const std::string ok = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
        QCOMPARE(read_safetensors_bytes(make(ok, 8)).state.size(), std::size_t(1));
        const std::vector<std::string> bad = {
            make(ok, 4),                                                           // data too short
            make(ok, 8, uint64_t(1) << 62),                                        // absurd length
            make(ok, 8, ok.size() + 9),                                            // past the end
            make(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),  // shape vs bytes
            make(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8),  // negative
            make(R"({"a":{"dtype":"X9","shape":[2],"data_offsets":[0,8]}})", 8),    // dtype
            make(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8),   // reversed
            make(
                R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                8),
            make(
                R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}})",
                8),
            make(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551615]}})", 8),
            make(R"(["not an object"])", 0),
            make(std::string(5000, '['), 0),
            make("{", 0),
            std::string("\x02\0\0", 3),
        };
        for (const auto& b : bad)
            QVERIFY_THROWS_EXCEPTION(CheckpointError, read_safetensors_bytes(b));
    }

    void hostilePickles() {
        const std::string storage(16, '\0');  // 4 floats
        using namespace std::string_literals;
        auto tensor_pkl = [](const std::string& offset_size_stride) {
            return "\x80\x02}(X\x01\0\0\0a"
                   "ctorch._utils\n_rebuild_tensor_v2\n("
                   "(X\x07\0\0\0storage"
                   "ctorch\nFloatStorage\nX\x01\0\0\0"
                   "0X\x03\0\0\0cpuK\x04tQ"s +
                   offset_size_stride + "\x89}tRu.";
        };
        const std::string good = tensor_pkl("K\x00(K\x04t(K\x01t"s);
        QCOMPARE(read_torch_bytes(zip_with(good, {{"data/0", storage}})).state.size(),
                 std::size_t(1));
        const std::vector<std::string> bad_pickles = {
            tensor_pkl("K\x01(K\x04t(K\x01t"s),                // offset + size past the storage
            tensor_pkl("K\x00(K\x02t(K\x04t"s),                // stride past the storage
            tensor_pkl("K\x00(K\x04K\x04t(K\x01K\x01t"s),      // 2-D view past the storage
            tensor_pkl("K\x00(J\xff\xff\xff\xfft(K\x01t"s),    // negative size
            tensor_pkl("K\x00(K\x04t(t"s),                     // size/stride length mismatch
            "\x80\x02}(X\x01\0\0\0ah\x05u."s,                  // memo key not set
            "\x80\x02u."s,                                     // SETITEMS without MARK
            "\x80\x02}\xff."s,                                 // unknown opcode
            "\x80\x02}"s,                                      // no STOP
            "\x80\x02}X\xff\xff\xff\x7f"s,                     // string longer than the file
            "\x80\x02\x8a\x40"s + std::string(64, 'x') + ".",  // 512-bit LONG1
            "\x80\x02K\x01."s,                                 // not a dict
            "\x80\x02}}."s,                                    // two objects left at STOP
        };
        for (std::size_t k = 0; k < bad_pickles.size(); ++k) {
            bool thrown = false;
            try {
                read_torch_bytes(zip_with(bad_pickles[k], {{"data/0", storage}}));
            } catch (const CheckpointError&) {
                thrown = true;
            }
            QVERIFY2(thrown, ("hostile pickle " + std::to_string(k) + " was accepted").c_str());
        }
        // Storage record missing or shorter than the pickle claims.
        QVERIFY_THROWS_EXCEPTION(CheckpointError, read_torch_bytes(zip_with(good, {})));
        QVERIFY_THROWS_EXCEPTION(
            CheckpointError, read_torch_bytes(zip_with(good, {{"data/0", storage.substr(0, 8)}})));
        QVERIFY_THROWS_EXCEPTION(CheckpointError, read_torch_bytes("PK\x03\x04 but nothing else"));
    }
};

QTEST_APPLESS_MAIN(TestCheckpointFormats)
#include "test_checkpoint_formats.moc"
