// SPDX-License-Identifier: GPL-3.0-or-later
// The trainer on a tiny demo: run folder contents, TPGM's radii, reproducibility, stop and
// resume, and a NaN loss that stops the run with the last good checkpoint kept.
#include "checkpoints/checkpoint.h"
#include "checkpoints/export.h"
#include "checkpoints/key_map.h"
#include "config/config_schema.h"
#include "data/idx_reader.h"
#include "engine/runtime.h"
#include "engine/trainer.h"
#include "models/registry.h"
#include "recording_sink.h"
#include "runs/run_reader.h"
#include "tiny_demo.h"

#include <torch/torch.h>
#include <torch/version.h>
#include <QtTest/QtTest>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

using namespace tpgm;
namespace fs = std::filesystem;

class TestTrainer : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    RunConfig config(const std::string& method, const char* run) {
        RunConfig c = tiny_demo_config(dir_.filePath("cache").toStdString(),
                                       dir_.filePath(run).toStdString());
        c.method = method;
        return c;
    }

  private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(fashion_mnist_available(),
                 "Debian's dataset-fashion-mnist is not installed (packaging/install-deps.sh "
                 "installs it)");
    }

    void fineTuningWritesTheRunFolder() {
        RecordingSink sink;
        const auto c = config("ft", "ft");
        const RunSummary s = run(c, sink);
        QCOMPARE(s.status, RunStatus::Completed);
        QCOMPARE(s.steps, int64_t(12));  // 2 epochs x floor(200 / 32)
        QCOMPARE(sink.evals.size(), std::size_t(2));
        for (const char* set : {"id", "sketch", "hard", "fog-3", "contrast-3", "ood_mean"})
            QVERIFY2(s.final_top1.count(set), set);
        // Each evaluation names the set it scores: ID test, OOD set 1..4 of 4, then done.
        QCOMPARE(sink.evaluation.size(), std::size_t(12));
        QCOMPARE(sink.evaluation[0], std::string("ID test"));
        QVERIFY(sink.evaluation[1].rfind("OOD set 1 of 4 (", 0) == 0);
        QVERIFY(sink.evaluation[4].rfind("OOD set 4 of 4 (", 0) == 0);
        QCOMPARE(sink.evaluation[5], std::string());
        for (const char* f : {"config.yaml", "metrics.jsonl", "radii.csv", "summary.json",
                              "checkpoints/last.pt", "checkpoints/final.pt"})
            QVERIFY2(fs::exists(fs::path(c.run_dir) / f), f);
        const RunRecord rec = read_run(c.run_dir);
        QCOMPARE(rec.steps.size(), std::size_t(12));
        QCOMPARE(rec.evals.size(), std::size_t(2));
        QVERIFY(rec.summary && rec.summary->status == RunStatus::Completed);
        QCOMPARE(rec.evals.back().top1.at("id"), s.final_top1.at("id"));
        QCOMPARE(load_model(c.run_dir + "/checkpoints/final.pt")->num_classes(), int64_t(10));
        // What ran: the device and the LibTorch version, in summary.json and in the run log.
        const std::string device = resolve_device(c.device).str();
        QCOMPARE(rec.summary->device, device);
        QCOMPARE(rec.summary->libtorch, std::string(TORCH_VERSION));
        std::ifstream in(fs::path(c.run_dir) / "summary.json");
        const std::string text((std::istreambuf_iterator<char>(in)), {});
        QVERIFY2(text.find("\"device\": \"" + device + "\"") != std::string::npos, text.c_str());
        QVERIFY2(text.find("\"libtorch\": \"" TORCH_VERSION "\"") != std::string::npos,
                 text.c_str());
        // The log line names both; the window reads the device after its last " on ".
        const std::string line = "training ft for 12 steps with LibTorch " TORCH_VERSION " on " +
                                 describe_device(resolve_device(c.device));
        bool logged = false;
        for (const auto& e : sink.logs) logged |= e.message == line;
        QVERIFY2(logged, line.c_str());
    }

    void tpgmKeepsEveryLayerInsideItsRadius() {
        RecordingSink sink;
        auto c = config("tpgm", "tpgm");
        c.tpgm.proj_freq = 2;
        const RunSummary s = run(c, sink);
        QCOMPARE(s.status, RunStatus::Completed);
        QCOMPARE(sink.radii.size(), std::size_t(6));  // every 2nd of 12 steps
        for (const auto& snap : sink.radii) {
            QVERIFY(!snap.names.empty());
            for (std::size_t i = 0; i < snap.names.size(); ++i) {
                QVERIFY(snap.names[i].rfind("fc.", 0) != 0);
                QVERIFY2(snap.distance[i] <= snap.radius[i] * (1 + 1e-4) + 1e-6,
                         snap.names[i].c_str());
            }
        }
        QCOMPARE(read_run(c.run_dir).radii.size(), sink.radii.size());
    }

    void postHocTpgmProjectsOnceAtTheEnd() {
        RecordingSink sink;
        auto c = config("tpgm", "posthoc");
        c.tpgm.post_hoc = true;
        c.tpgm.post_hoc_iters = 5;
        const RunSummary s = run(c, sink);
        QCOMPARE(s.status, RunStatus::Completed);
        QCOMPARE(sink.radii.size(), std::size_t(1));  // no projection while fine-tuning
        const auto& snap = sink.radii.front();
        QCOMPARE(snap.step, int64_t(12));
        bool some_constraint_active = false;
        for (std::size_t i = 0; i < snap.names.size(); ++i) {
            QVERIFY2(snap.distance[i] <= snap.radius[i] * (1 + 1e-4) + 1e-6, snap.names[i].c_str());
            some_constraint_active |= snap.distance[i] >= snap.radius[i] * (1 - 1e-4);
        }
        QVERIFY(some_constraint_active);
    }

    void runsAreReproducible() {
        RecordingSink a, b;
        const RunSummary sa = run(config("tpgm", "rep-a"), a);
        const RunSummary sb = run(config("tpgm", "rep-b"), b);
        QCOMPARE(sa.status, RunStatus::Completed);
        QCOMPARE(sb.status, RunStatus::Completed);
        QVERIFY(!a.steps.empty());
        QCOMPARE(int64_t(a.steps.size()), sa.steps);
        QCOMPARE(a.steps.size(), b.steps.size());
        for (std::size_t i = 0; i < a.steps.size(); ++i) QCOMPARE(a.steps[i].loss, b.steps[i].loss);
        QVERIFY(!sa.final_top1.empty());
        QVERIFY(sa.final_top1 == sb.final_top1);  // the same weights score the same
    }

    void stopKeepsACheckpointAndResumeContinues() {
        RecordingSink whole;
        run(config("tpgm", "whole"), whole);

        RecordingSink first;
        first.stop_at = 5;
        auto c = config("tpgm", "stopped");
        const RunSummary stopped = run(c, first);
        QCOMPARE(stopped.status, RunStatus::Stopped);
        QCOMPARE(stopped.steps, int64_t(5));
        QVERIFY(fs::exists(c.run_dir + "/checkpoints/last.pt"));
        {  // as if killed two steps after the checkpoint: those steps are logged, not saved
            std::ofstream metrics(c.run_dir + "/metrics.jsonl", std::ios::app);
            for (int step : {6, 7})
                metrics << "{\"type\":\"step\",\"step\":" << step
                        << ",\"total_steps\":12,\"epoch\":0,\"loss\":9.0,\"lr\":0.1}\n";
        }

        RecordingSink second;
        c.resume = true;
        const RunSummary resumed = run(c, second);
        QCOMPARE(resumed.status, RunStatus::Completed);
        QCOMPARE(second.steps.front().step, int64_t(6));
        QCOMPARE(second.steps.size(), std::size_t(7));
        // Weights, optimiser state, radii with their Adam state, schedule and data order all
        // come back: the resumed steps match the uninterrupted run.
        for (std::size_t i = 0; i < second.steps.size(); ++i)
            QVERIFY(std::abs(second.steps[i].loss - whole.steps[5 + i].loss) < 1e-4);
        // Each step once in the run folder, the resumed session's values for 6 and 7.
        std::ifstream metrics(c.run_dir + "/metrics.jsonl");
        int step_lines = 0;
        for (std::string line; std::getline(metrics, line);)
            step_lines += line.find("\"type\":\"step\"") != std::string::npos;
        QCOMPARE(step_lines, 12);
        const RunRecord record = read_run(c.run_dir);
        QCOMPARE(record.steps.size(), std::size_t(12));
        QVERIFY(record.steps[5].loss != 9.0);
    }

    void aFailedFinalEvaluationKeepsTheLastEpochAndACompletedRunIsNotRedone() {
        // A final evaluation that fails (here the sink throws, as a bad mask or a full disk
        // would) used to leave last.pt an epoch behind: it was written after evaluating.
        struct FailingFinalEval : RecordingSink {
            void on_eval(const EvalEvent& e) override {
                if (e.step == 12) throw std::runtime_error("evaluation failed on purpose");
                RecordingSink::on_eval(e);
            }
        } failing;
        auto c = config("tpgm", "final-eval-fails");
        c.eval_every_epochs = 0;
        const RunSummary failed = run(c, failing);
        QCOMPARE(failed.status, RunStatus::Failed);
        QVERIFY2(failed.message.find("evaluation failed on purpose") != std::string::npos,
                 failed.message.c_str());
        c10::IValue saved_step;
        QVERIFY(read_checkpoint(c.run_dir + "/checkpoints/last.pt")
                    .archive.try_read("train_step", saved_step));
        QCOMPARE(saved_step.toInt(), int64_t(12));
        QVERIFY(!fs::exists(c.run_dir + "/checkpoints/final.pt"));
        // The resume redoes only the final phase: no step trained again, one evaluation.
        RecordingSink finishing;
        c.resume = true;
        const RunSummary done = run(c, finishing);
        QCOMPARE(done.status, RunStatus::Completed);
        QVERIFY(finishing.steps.empty());
        QCOMPARE(finishing.evals.size(), std::size_t(1));
        QVERIFY(fs::exists(c.run_dir + "/checkpoints/final.pt"));
        const RunRecord record = read_run(c.run_dir);
        QCOMPARE(record.steps.size(), std::size_t(12));
        QCOMPARE(record.evals.size(), std::size_t(1));
        const auto radii_rows = record.radii.size();
        std::ifstream summary_in(c.run_dir + "/summary.json");
        const std::string summary((std::istreambuf_iterator<char>(summary_in)), {});
        // Resuming the completed run: nothing to do, its results untouched.
        RecordingSink again;
        const RunSummary same = run(c, again);
        QCOMPARE(same.status, RunStatus::Completed);
        QVERIFY(again.steps.empty() && again.evals.empty() && again.radii.empty());
        QVERIFY(std::any_of(again.logs.begin(), again.logs.end(), [](const LogEvent& e) {
            return e.message.rfind("nothing to do", 0) == 0;
        }));
        const RunRecord after = read_run(c.run_dir);
        QCOMPARE(after.evals.size(), std::size_t(1));
        QCOMPARE(after.radii.size(), radii_rows);
        std::ifstream summary_again(c.run_dir + "/summary.json");
        QCOMPARE(std::string((std::istreambuf_iterator<char>(summary_again)), {}), summary);
    }

    void aFullDiskFailsTheRunAndItResumesWithEachStepOnce() {
        // From step 3 on, no file may grow past what the run folder's appended files hold then
        // plus a few hundred bytes (RLIMIT_FSIZE makes write() fail part-way, as a full disk
        // does): metrics.jsonl, radii.csv or tb/ fills first, before step 3's checkpoint is
        // written. The run used to go on without them and report "completed" (here it would
        // fail later, at that checkpoint, naming last.pt instead).
        struct FillsTheDisk : RecordingSink {
            std::string dir;
            rlimit old{};
            bool limited = false;
            void on_step(const StepEvent& e) override {
                RecordingSink::on_step(e);
                if (e.step != 3) return;
                std::uintmax_t largest = 0;
                for (const auto& f : fs::recursive_directory_iterator(dir))
                    if (f.is_regular_file() && f.path().extension() != ".pt")
                        largest = std::max(largest, f.file_size());
                getrlimit(RLIMIT_FSIZE, &old);
                rlimit tight = old;
                tight.rlim_cur = largest + 300;
                limited = setrlimit(RLIMIT_FSIZE, &tight) == 0;
            }
        } full;
        std::signal(SIGXFSZ, SIG_IGN);
        auto c = config("tpgm", "disk-full");
        c.checkpoint_every_steps = 1;  // the last good one is step 2's
        full.dir = c.run_dir;
        const RunSummary failed = run(c, full);
        if (full.limited) setrlimit(RLIMIT_FSIZE, &full.old);
        QVERIFY(full.limited);
        QCOMPARE(failed.status, RunStatus::Failed);
        QVERIFY2(failed.message.find("could not write '" + c.run_dir) != std::string::npos &&
                     failed.message.find("/checkpoints/") == std::string::npos,
                 failed.message.c_str());
        qInfo("%s", failed.message.c_str());
        c10::IValue kept;
        QVERIFY(read_checkpoint(c.run_dir + "/checkpoints/last.pt")
                    .archive.try_read("train_step", kept));
        QCOMPARE(kept.toInt(), int64_t(2));
        // Space is back: the run resumes from its last checkpoint and its files show each step
        // once (a line cut by the full disk is dropped).
        c.resume = true;
        RecordingSink resumed;
        QCOMPARE(run(c, resumed).status, RunStatus::Completed);
        const RunRecord record = read_run(c.run_dir);
        QCOMPARE(record.steps.size(), std::size_t(12));
        for (std::size_t i = 0; i < record.steps.size(); ++i)
            QCOMPARE(record.steps[i].step, static_cast<int64_t>(i + 1));
        std::set<int64_t> radii_steps;
        for (const auto& r : record.radii) QVERIFY(radii_steps.insert(r.step).second);
        QCOMPARE(radii_steps.size(), record.radii.size());
    }

    void aRunKilledBeforeItsFirstCheckpointCanStartAgain() {
        // Killed (or out of disk) before its first checkpoint, a run leaves config.yaml and a
        // few lines: nothing to resume. The folder used to refuse both a new run ("already
        // holds a run; resume it") and a resume ("no run to resume") without --overwrite.
        auto c = config("ft", "killed-early");
        fs::create_directories(c.run_dir);
        std::ofstream(c.run_dir + "/config.yaml") << to_yaml(c);
        std::ofstream(c.run_dir + "/metrics.jsonl")
            << "{\"type\":\"step\",\"step\":1,\"total_steps\":12,\"epoch\":0,\"loss\":2.0,"
               "\"lr\":0.1}\n{\"type\":\"st";
        auto resumed = c;
        resumed.resume = true;
        std::string refused = "resumed";
        try {
            RecordingSink sink;
            run(resumed, sink);
        } catch (const ConfigError& e) {
            refused = e.what();
        }
        QVERIFY2(
            refused.find("ended before its first checkpoint; start it again") != std::string::npos,
            refused.c_str());
        RecordingSink again;
        QCOMPARE(run(c, again).status, RunStatus::Completed);
        QVERIFY(std::any_of(again.logs.begin(), again.logs.end(), [](const LogEvent& e) {
            return e.message.find("ended before its first checkpoint") != std::string::npos;
        }));
        QCOMPARE(read_run(c.run_dir).steps.size(), std::size_t(12));
        // A folder with a checkpoint still holds a run that a new one may not silently replace.
        RecordingSink kept;
        QVERIFY_THROWS_EXCEPTION(ConfigError, run(c, kept));
    }

    void aHandEditedConfigIsRefusedByTheCheckpoint() {
        // config.yaml edited by hand (a batch size), then resumed as the CLI does from it: the
        // run trained on with the new batch (evals at steps 30, 31, 62, 93 in the probe).
        RecordingSink first;
        first.stop_at = 5;
        auto c = config("tpgm", "edited");
        QCOMPARE(run(c, first).status, RunStatus::Stopped);
        auto edited = c;
        edited.batch_size = 16;
        std::ofstream(c.run_dir + "/config.yaml") << to_yaml(edited);
        edited.resume = true;
        std::string refused = "resumed";
        try {
            RecordingSink sink;
            run(edited, sink);
        } catch (const ConfigError& e) {
            refused = e.what();
        }
        QVERIFY2(refused.find("last.pt' was trained with other settings") != std::string::npos &&
                     refused.find("batch_size: 32 -> 16") != std::string::npos,
                 refused.c_str());
        // Restored, it resumes.
        std::ofstream(c.run_dir + "/config.yaml") << to_yaml(c);
        c.resume = true;
        RecordingSink second;
        QCOMPARE(run(c, second).status, RunStatus::Completed);
    }

    void resumeRefusesChangedSettingsAndKeepsTheConfig() {
        RecordingSink first;
        first.stop_at = 3;
        auto c = config("tpgm", "resume-guard");
        QCOMPARE(run(c, first).status, RunStatus::Stopped);
        const std::string before = read_run(c.run_dir).config_yaml;
        auto changed = c;
        changed.resume = true;
        changed.method = "ft";
        changed.tpgm.proj_lr = 0.5;
        RecordingSink refused;
        try {
            run(changed, refused);
            QFAIL("a resume with another method ran");
        } catch (const ConfigError& e) {
            const std::string msg = e.what();
            QVERIFY2(msg.find("method") != std::string::npos, msg.c_str());
            QVERIFY2(msg.find("tpgm.proj_lr") != std::string::npos, msg.c_str());
        }
        QVERIFY(refused.steps.empty());
        QCOMPARE(read_run(c.run_dir).config_yaml, before);
        // Extending is allowed, and recorded in the run log and config.yaml.
        auto longer = c;
        longer.resume = true;
        longer.epochs = 3;
        RecordingSink resumed;
        QCOMPARE(run(longer, resumed).status, RunStatus::Completed);
        const RunRecord record = read_run(c.run_dir);
        QCOMPARE(parse_config_yaml(record.config_yaml).epochs, 3);
        bool logged = false;
        for (const auto& log : record.logs)
            logged |= log.message.find("resumed with epochs: 2 -> 3") != std::string::npos;
        QVERIFY(logged);
    }

    void stopDuringSetupEndsTheRunBeforeTheFirstStep() {
        struct StopAtOnce : RecordingSink {
            void on_progress(const std::string&, int64_t, int64_t) override {
                control->request_stop();
            }
        } sink;
        auto c = config("ft", "setup-stop");
        c.demo.seed = 99;  // a benchmark not built yet, so setup reports progress
        const RunSummary s = run(c, sink);
        QCOMPARE(s.status, RunStatus::Stopped);
        QVERIFY(sink.steps.empty());
        QVERIFY(!fs::exists(c.run_dir + "/metrics.jsonl"));
    }

    void nanLossStopsTheRunAndKeepsTheLastGoodCheckpoint() {
        RecordingSink warmup;
        auto c = config("ft", "nan");
        // A "warm-up" that never ends: the learning rate grows by 1 per step, survivable in the
        // first epoch, ruinous later. A resumed run may only extend the epochs.
        c.optim.lr = 1e7;
        c.optim.warmup_steps = 10000000;
        c.optim.schedule = "constant";
        c.epochs = 1;
        QCOMPARE(run(c, warmup).status, RunStatus::Completed);
        c.resume = true;
        c.epochs = 30;
        RecordingSink sink;
        const RunSummary s = run(c, sink);
        QCOMPARE(s.status, RunStatus::Failed);
        QVERIFY2(s.message.find("last good checkpoint") != std::string::npos, s.message.c_str());
        LoadedCheckpoint last = read_checkpoint(c.run_dir + "/checkpoints/last.pt");
        c10::IValue step;
        QVERIFY(last.archive.try_read("train_step", step));
        QVERIFY(step.toInt() <= s.steps);
        for (const auto& [name, t] : last.state)
            QVERIFY2(torch::isfinite(t).all().item<bool>(), name.c_str());
    }

    void startsFromASafetensorsOrTorchSaveBackbone() {
        // The demo backbone re-exported in the formats users bring.
        RecordingSink first;
        run(config("ft", "from-workbench"), first);
        std::string workbench_file;
        for (const auto& entry :
             fs::recursive_directory_iterator(dir_.filePath("cache").toStdString()))
            if (entry.path().filename() == "pretrained.pt") workbench_file = entry.path().string();
        QVERIFY(!workbench_file.empty());
        const StateDict backbone = read_checkpoint(workbench_file).state;
        for (const char* format : {"safetensors", "torch"}) {
            const std::string exported = dir_.filePath(QString("backbone.") + format).toStdString();
            export_checkpoint(workbench_file, exported, parse_export_format(format));
            auto c = config("ft", format);
            c.pretrained = exported;
            c.epochs = 1;
            RecordingSink sink;
            QCOMPARE(run(c, sink).status, RunStatus::Completed);
            bool reported = false;
            for (const auto& log : sink.logs)
                reported |= log.message.find(exported) != std::string::npos &&
                            log.message.find("freshly initialised") != std::string::npos;
            QVERIFY(reported);
            // The exported file holds the backbone bit for bit.
            const PretrainedState again = read_pretrained_state(exported);
            std::map<std::string, torch::Tensor> by_name(again.state.begin(), again.state.end());
            for (const auto& [name, t] : backbone)
                QVERIFY2(by_name.count(name) && torch::equal(by_name[name], t), name.c_str());
        }
    }

    void trainsOnImageFoldersTheUserBrings() {
        // Two classes told apart by colour, in ImageFolder layout, plus one OOD folder and a
        // corrupt file that must be skipped with a warning.
        const QDir root(dir_.filePath("folders"));
        for (const char* split : {"train", "test", "shifted"})
            for (int cls = 0; cls < 2; ++cls) {
                const QString folder =
                    root.filePath(QString("%1/%2").arg(split, cls ? "red" : "blue"));
                QVERIFY(QDir().mkpath(folder));
                for (int i = 0; i < 20; ++i) {
                    cv::Mat img(20, 20, CV_8UC3,
                                cls ? cv::Scalar(30, 30, 200) : cv::Scalar(200, 30, 30));
                    cv::randn(img, cls ? cv::Scalar(40, 40, 200) : cv::Scalar(200, 40, 40),
                              cv::Scalar(40, 40, 40));
                    if (std::string(split) == "shifted") img = 255 - img;
                    cv::imwrite(QString("%1/%2.png").arg(folder).arg(i).toStdString(), img);
                }
            }
        QFile broken(root.filePath("train/red/broken.png"));
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("not a png");
        broken.close();
        const ModelSpec spec{"demo_resnet", 2, 3, 4};
        torch::manual_seed(0);
        save_checkpoint(dir_.filePath("rgb_backbone.pt").toStdString(), spec, *create_model(spec));

        auto c = config("tpgm", "folders-run");
        c.data = "folders";
        c.pretrained = dir_.filePath("rgb_backbone.pt").toStdString();
        c.folders.train = root.filePath("train").toStdString();
        c.folders.test = root.filePath("test").toStdString();
        c.ood = {{root.filePath("shifted").toStdString()}};
        c.images.size = 16;
        c.batch_size = 8;
        RecordingSink sink;
        const RunSummary s = run(c, sink);
        QCOMPARE(s.status, RunStatus::Completed);
        QVERIFY(s.final_top1.count("shifted"));
        QVERIFY(s.final_top1.at("id") > 0.9);  // colour is trivial to learn
        bool warned = false;
        for (const auto& log : sink.logs)
            warned |= log.level == "warn" && log.message.find("broken.png") != std::string::npos;
        QVERIFY(warned);

        c.folders.test = root.filePath("missing").toStdString();
        c.overwrite = true;  // the folder holds the run above
        RecordingSink none;
        QVERIFY_EXCEPTION_THROWN(run(c, none), DatasetError);
        QVERIFY(none.steps.empty());
    }

    // L2-SP trains to the end, its penalty in place of the optimiser's weight decay.
    void l2spRunsWithoutPlainWeightDecay() {
        RecordingSink sink;
        auto c = config("l2sp", "l2sp");
        c.optim.weight_decay = 5e-4;
        const RunSummary s = run(c, sink);
        QCOMPARE(s.status, RunStatus::Completed);
        QVERIFY(std::any_of(sink.logs.begin(), sink.logs.end(), [](const LogEvent& e) {
            return e.message.find("l2sp: no optim.weight_decay on") != std::string::npos;
        }));
    }

    void badPretrainedCheckpointFailsBeforeTraining() {
        RecordingSink sink;
        auto c = config("ft", "bad");
        c.pretrained = dir_.filePath("missing.pt").toStdString();
        QVERIFY_EXCEPTION_THROWN(run(c, sink), CheckpointError);
        QVERIFY(sink.steps.empty());

        // A colour backbone for the greyscale demo data: a sentence before the first step, not
        // LibTorch's "expected input[...] to have 3 channels".
        const ModelSpec colour{"demo_resnet", 10, 3, 8};
        c.pretrained = dir_.filePath("colour.pt").toStdString();
        save_checkpoint(c.pretrained, colour, *create_model(colour));
        try {
            run(c, sink);
            QFAIL("a colour backbone trained on greyscale images");
        } catch (const ConfigError& e) {
            const std::string what = e.what();
            QVERIFY2(what.find("colour (3-channel)") != std::string::npos &&
                         what.find("greyscale (1-channel)") != std::string::npos,
                     e.what());
        }
        QVERIFY(sink.steps.empty());
    }
};

QTEST_APPLESS_MAIN(TestTrainer)
#include "test_trainer.moc"
