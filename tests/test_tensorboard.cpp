// SPDX-License-Identifier: GPL-3.0-or-later
// A run folder's tb/ TensorBoard events, read back by an independent reader
// (tests/tools/read_tb_events.py: CRCs by hand, payloads by the protobuf library) and checked
// against metrics.jsonl and radii.csv, live, after a resume and from tb-export.
#include "config/config_schema.h"
#include "runs/run_paths.h"
#include "runs/run_reader.h"
#include "runs/run_store.h"
#include "runs/run_tensorboard.h"
#include "runs/tb_events.h"

#include <QtTest/QtTest>

#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>

using namespace tpgm;
namespace fs = std::filesystem;

namespace {

const QString kReader = QStringLiteral(TPGM_TEST_DATA_DIR "/../tools/read_tb_events.py");

std::vector<std::string> event_files(const std::string& run) {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(RunPaths(run).tb()))
        files.push_back(e.path().string());
    return files;
}

// The reader's JSON for `file`; an empty object (and a failed check) when it refuses the file.
QJsonObject read_events(const std::string& file, QString* error = nullptr) {
    QProcess p;
    p.start("/usr/bin/python3",
            {kReader, QString::fromStdString(file)});  // Debian's, with protobuf
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        if (error) *error = p.readAllStandardError();
        return {};
    }
    return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
}

// [step, value] pairs of one scalar tag as a step -> value map.
std::map<int64_t, double> series(const QJsonObject& events, const char* tag) {
    std::map<int64_t, double> out;
    for (const auto& point : events["scalars"].toObject()[tag].toArray())
        out[point.toArray()[0].toInteger()] = point.toArray()[1].toDouble();
    return out;
}

StepEvent step_event(int64_t step, double loss) {
    StepEvent e;
    e.step = step;
    e.total_steps = 81;
    e.loss = loss;
    e.lr = 0.01;
    return e;
}

EvalEvent eval_event(int64_t step, double id) {
    EvalEvent e;
    e.step = step;
    e.top1 = {{"id", id}, {"fog-3", id / 2}, {"ood_mean", id / 2}};
    e.top5 = {{"id", 1.0}, {"fog-3", 0.9}, {"ood_mean", 0.9}};
    return e;
}

RadiiSnapshot radii_event(int64_t step, double radius) {
    return {step, {"layer1.weight", "fc.weight"}, {radius, 2 * radius}, {0.1, 0.2}};
}

}  // namespace

class TestTensorBoard : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

  private Q_SLOTS:
    void crcIsCastagnoli() {
        QCOMPARE(crc32c("123456789"), 0xE3069283u);  // the standard check value of CRC-32C
        QCOMPARE(crc32c(""), 0u);
        const std::string record = tfrecord("abc");
        QCOMPARE(record.size(), std::size_t(8 + 4 + 3 + 4));
    }

    void liveResumedAndExportedEventsMatchTheRunFiles() {
        const std::string run = (fs::path(tmp_.path().toStdString()) / "run").string();
        {
            RunStore store(run, false);
            store.write_config(RunConfig{});
            for (int64_t s = 1; s <= 81; ++s) {
                store.append(step_event(s, 1.0));
                if (s % 10 == 0) store.append(radii_event(s, 0.01 * s));
                if (s % 40 == 0) store.append(eval_event(s, 0.5));
            }
        }
        // Resumed from step 75's checkpoint: steps 76..81 are trained again, with another loss.
        {
            RunStore store(run, true);
            store.discard_after(75);
            for (int64_t s = 76; s <= 81; ++s) {
                store.append(step_event(s, 2.0));
                if (s % 10 == 0) store.append(radii_event(s, 0.02 * s));
                if (s % 40 == 0) store.append(eval_event(s, 0.75));
            }
        }
        const auto files = event_files(run);
        QCOMPARE(files.size(), std::size_t(1));  // the first session's file was rebuilt
        QString error;
        const QJsonObject live = read_events(files[0], &error);
        QVERIFY2(!live.isEmpty(), qPrintable(error));
        QCOMPARE(live["file_version"].toString(), QString("brain.Event:2"));

        // Every scalar matches the run's own files, each step once.
        const RunRecord record = read_run(run);
        const auto loss = series(live, "train/loss");
        QCOMPARE(live["scalars"].toObject()["train/loss"].toArray().size(), 81);  // no repeats
        QCOMPARE(loss.size(), record.steps.size());
        for (const auto& s : record.steps) QCOMPARE(loss.at(s.step), s.loss);
        QCOMPARE(loss.at(75), 1.0);
        QCOMPARE(loss.at(76), 2.0);
        QCOMPARE(series(live, "train/lr").at(81), double(0.01f));
        const auto id = series(live, "eval/id/top1");
        QCOMPARE(id.size(), std::size_t(2));
        QCOMPARE(id.at(40), 0.5);
        QCOMPARE(id.at(80), 0.75);
        QCOMPARE(series(live, "eval/ood/fog-3/top1").at(80), 0.375);
        QCOMPARE(series(live, "eval/ood_mean/top5").at(40), double(0.9f));
        const auto radius = series(live, "radii/fc.weight");
        QCOMPARE(radius.size(), record.radii.size());
        for (const auto& r : record.radii) QCOMPARE(radius.at(r.step), double(float(r.radius[1])));
        QCOMPARE(series(live, "distance/layer1.weight").at(80), double(0.1f));
        const QJsonArray histograms = live["histograms"].toObject()["radii"].toArray();
        QCOMPARE(histograms.size(), 8);
        for (const auto& h : histograms) {
            QCOMPARE(h.toArray()[1].toDouble(), 2.0);  // num: two constrained tensors
            QCOMPARE(h.toArray()[4].toDouble(), 2.0);  // every value in some bucket
        }
        QVERIFY(
            live["texts"].toObject()["config"].toArray()[0].toString().contains("method: tpgm"));

        // tb-export writes the same view from the files alone.
        rebuild_tensorboard(run);
        const QJsonObject exported = read_events(event_files(run).at(0));
        QCOMPARE(exported["scalars"], live["scalars"]);
        QCOMPARE(exported["histograms"], live["histograms"]);
    }

    void anExportOnAFullDiskKeepsTheOldEvents() {
        // tb-export on a full disk deleted the old event file, wrote a truncated one and said
        // "wrote". The old file now goes only once the new one is whole.
        const std::string run = (fs::path(tmp_.path().toStdString()) / "full").string();
        {
            RunStore store(run, false);
            store.write_config(RunConfig{});
            for (int64_t s = 1; s <= 40; ++s) store.append(step_event(s, 1.0));
        }
        const auto before = event_files(run);
        QCOMPARE(before.size(), std::size_t(1));
        std::ifstream in(before[0], std::ios::binary);
        const std::string old_bytes{std::istreambuf_iterator<char>(in), {}};
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit old{};
        getrlimit(RLIMIT_FSIZE, &old);
        rlimit tight = old;
        tight.rlim_cur = old_bytes.size() / 2;  // the rebuilt file cannot reach the old size
        setrlimit(RLIMIT_FSIZE, &tight);
        std::string error = "exported";
        try {
            rebuild_tensorboard(run);
        } catch (const std::runtime_error& e) {
            error = e.what();
        }
        setrlimit(RLIMIT_FSIZE, &old);
        QVERIFY2(error.find("could not write '" + run + "/tb/events.out.tfevents.") == 0,
                 error.c_str());
        QCOMPARE(event_files(run), before);
        std::ifstream again(before[0], std::ios::binary);
        QCOMPARE(std::string(std::istreambuf_iterator<char>(again), {}), old_bytes);
    }

    void aDamagedRecordIsRefusedByTheReader() {
        const std::string run = (fs::path(tmp_.path().toStdString()) / "damaged").string();
        {
            RunStore store(run, false);
            store.append(step_event(1, 1.0));
        }
        const std::string file = event_files(run).at(0);
        std::string bytes;
        {
            std::ifstream in(file, std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), {});
        }
        bytes[bytes.size() - 6] ^= 0x01;  // inside the last payload
        std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
        QString error;
        QVERIFY(read_events(file, &error).isEmpty());
        QVERIFY2(error.contains("CRC"), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestTensorBoard)
#include "test_tensorboard.moc"
