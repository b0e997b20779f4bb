// SPDX-License-Identifier: GPL-3.0-or-later
// The robust fine-tuning family run by the trainer on a tiny demo: LP-FT's two phases (and a
// resume inside the second), WiSE-FT's sweep and final model, FTP's logged radii, the distances
// and SPD's decay activity that methods without learned radii record.
#include "checkpoints/checkpoint.h"
#include "engine/trainer.h"
#include "recording_sink.h"
#include "runs/run_files.h"
#include "runs/run_paths.h"
#include "runs/run_reader.h"
#include "tiny_demo.h"

#include <torch/torch.h>
#include <QtTest/QtTest>

#include <filesystem>

using namespace tpgm;

namespace {

std::map<std::string, torch::Tensor> weights(const std::string& path) {
    std::map<std::string, torch::Tensor> out;
    for (auto& [name, t] : read_checkpoint(path).state) out[name] = t;
    return out;
}

bool same_backbone(const std::map<std::string, torch::Tensor>& a,
                   const std::map<std::string, torch::Tensor>& b) {
    for (const auto& [name, t] : a)
        if (name.rfind("fc.", 0) != 0 && !torch::equal(t, b.at(name))) return false;
    return true;
}

}  // namespace

class TestMethodRuns : public QObject {
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

    // 2 epochs of 6 steps, the first a linear probe: through step 6 the backbone (BatchNorm
    // statistics included) is exactly pre-trained while the head learns; step 7 starts from
    // the probed head with a fresh schedule, and then the backbone moves.
    void lpftProbesThenFineTunesFromTheProbedHead() {
        RecordingSink sink;
        auto c = config("lpft", "lpft");
        c.lpft.probe_epochs = 1;
        c.checkpoint_every_steps = 1;
        c.keep_checkpoints = 12;
        c.optim.warmup_steps = 0;
        const RunSummary s = run(c, sink);
        QCOMPARE(s.status, RunStatus::Completed);
        const RunPaths paths(c.run_dir);
        const auto step1 = weights(paths.step_checkpoint(1));
        const auto step6 = weights(paths.step_checkpoint(6));
        const auto step7 = weights(paths.step_checkpoint(7));
        const auto final_weights = weights(paths.final_checkpoint());
        QVERIFY(same_backbone(step1, step6));  // step 1 already moved only the head
        QVERIFY(!torch::equal(step1.at("fc.weight"), step6.at("fc.weight")));
        QVERIFY(!same_backbone(step6, step7));
        // Step 7 takes one step from the probed head: nearer to it than to the unprobed head,
        // and no freshly drawn head (which would differ by about the head's own size).
        auto distance = [](const torch::Tensor& a, const torch::Tensor& b) {
            return (a - b).norm().item<double>();
        };
        const double moved = distance(step7.at("fc.weight"), step6.at("fc.weight"));
        QVERIFY2(moved < distance(step7.at("fc.weight"), step1.at("fc.weight")),
                 qPrintable(QString::number(moved)));
        QVERIFY(moved < 0.25 * step6.at("fc.weight").norm().item<double>());
        QVERIFY(!same_backbone(step6, final_weights));
        // Each phase runs the cosine schedule from the peak rate.
        QCOMPARE(sink.steps.at(0).lr, c.optim.lr);
        QCOMPARE(sink.steps.at(6).lr, c.optim.lr);
        QVERIFY(sink.steps.at(5).lr < 0.2 * c.optim.lr);
        QVERIFY(std::any_of(sink.logs.begin(), sink.logs.end(), [](const LogEvent& e) {
            return e.message.find("lpft: second phase from step 7") != std::string::npos;
        }));
    }

    // A run stopped in the second phase resumes with the second phase's optimiser and matches
    // the uninterrupted run.
    void lpftResumesInsideTheSecondPhase() {
        RecordingSink whole;
        auto w = config("lpft", "lpft-whole");
        w.lpft.probe_epochs = 1;
        QCOMPARE(run(w, whole).status, RunStatus::Completed);

        RecordingSink first, second;
        auto c = config("lpft", "lpft-stopped");
        c.lpft.probe_epochs = 1;
        c.checkpoint_every_steps = 1;
        first.stop_at = 9;
        QCOMPARE(run(c, first).status, RunStatus::Stopped);
        c.resume = true;
        QCOMPARE(run(c, second).status, RunStatus::Completed);
        QCOMPARE(second.steps.front().step, int64_t(10));
        for (std::size_t i = 0; i < second.steps.size(); ++i)
            QVERIFY2(std::abs(second.steps[i].loss - whole.steps[9 + i].loss) < 1e-4,
                     qPrintable(QString("step %1").arg(10 + i)));
    }

    // wise.json holds every set at a = 0, 0.1, ..., 1; the final model is at wise.alpha, so its
    // accuracy is the sweep's at that point, and a = 0 scores the pre-trained backbone with the
    // fine-tuned head.
    void wiseSweepsAndEndsAtAlpha() {
        RecordingSink sink;
        auto c = config("wise", "wise");
        c.wise.alpha = 0.3;
        const RunSummary s = run(c, sink);
        QCOMPARE(s.status, RunStatus::Completed);
        const auto sweep = read_path_sweep(c.run_dir);
        QVERIFY(sweep.has_value());
        QCOMPARE(sweep->points.size(), std::size_t(11));
        QCOMPARE(sweep->final_point, 0.3);
        for (const char* set : {"id", "ood_mean", "fog-3", "contrast-3"}) {
            QVERIFY2(sweep->top1.count(set), set);
            QCOMPARE(sweep->top1.at(set).size(), std::size_t(11));
        }
        QVERIFY(std::abs(sweep->top1.at("id")[3] - s.final_top1.at("id")) < 1e-9);
        // The sweep is not flat: interpolation changes the model.
        const auto& id = sweep->top1.at("id");
        QVERIFY(*std::max_element(id.begin(), id.end()) > *std::min_element(id.begin(), id.end()));
    }

    // A stop request during the sweep ends it after the point being scored; the run still
    // completes with its final model at wise.alpha, and wise.json holds what was scored.
    void wiseSweepStopsEarlyOnRequest() {
        RecordingSink sink;
        sink.stop_phase = "interpolating";
        auto c = config("wise", "wise-stopped");
        const RunSummary s = run(c, sink);
        QCOMPARE(s.status, RunStatus::Completed);
        const auto sweep = read_path_sweep(c.run_dir);
        QVERIFY(sweep.has_value());
        const auto& id = sweep->top1.at("id");
        QVERIFY(std::isfinite(id[0]));
        QVERIFY(std::all_of(id.begin() + 1, id.end(), [](double v) { return std::isnan(v); }));
        QVERIFY(std::any_of(sink.logs.begin(), sink.logs.end(), [](const LogEvent& e) {
            return e.level == "warn" && e.message.find("scored 1 of 11") != std::string::npos;
        }));
    }

    // FTP logs its radii every step; every layer ends each step within its radius.
    void ftpLogsRadiiWithinBounds() {
        RecordingSink sink;
        auto c = config("ftp", "ftp");
        c.ftp.lr = 0.1;
        QCOMPARE(run(c, sink).status, RunStatus::Completed);
        const RunRecord record = read_run(c.run_dir);
        QCOMPARE(record.radii.size(), std::size_t(12));
        for (const auto& snap : record.radii)
            for (std::size_t i = 0; i < snap.names.size(); ++i)
                QVERIFY2(snap.distance[i] <= snap.radius[i] * (1 + 1e-4) + 1e-7,
                         snap.names[i].c_str());
    }

    // Methods without learned radii record each trained tensor's distance from W0 at every
    // epoch end and at the end (radius 0); SPD adds the share of steps its decay acted.
    void distancesAndSpdActivityAreRecorded() {
        RecordingSink sink;
        auto c = config("spd", "spd");
        QCOMPARE(run(c, sink).status, RunStatus::Completed);
        const RunRecord record = read_run(c.run_dir);
        QCOMPARE(record.radii.size(), std::size_t(2));  // epoch 1 end, and the end
        QCOMPARE(record.radii[0].step, int64_t(6));
        QCOMPARE(record.radii[1].step, int64_t(12));
        double acted = 0;
        for (const auto& snap : record.radii) {
            QCOMPARE(snap.activity.size(), snap.names.size());
            for (std::size_t i = 0; i < snap.names.size(); ++i) {
                QCOMPARE(snap.radius[i], 0.0);
                QVERIFY2(snap.distance[i] > 0, snap.names[i].c_str());
                QVERIFY(snap.activity[i] >= 0 && snap.activity[i] <= 1);
                acted += snap.activity[i];
            }
        }
        QVERIFY(acted > 0);  // the decay fired on some tensor in some step

        auto ft = config("ft", "ft-distances");
        QCOMPARE(run(ft, sink).status, RunStatus::Completed);
        const RunRecord plain = read_run(ft.run_dir);
        QCOMPARE(plain.radii.size(), std::size_t(2));
        QVERIFY(plain.radii[0].activity.empty());
        QVERIFY(plain.radii[1].distance[0] > 0);
    }
};

QTEST_APPLESS_MAIN(TestMethodRuns)
#include "test_method_runs.moc"
