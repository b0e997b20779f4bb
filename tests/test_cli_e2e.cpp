// SPDX-License-Identifier: GPL-3.0-or-later
// End to end: tpgm-cli as a user runs it, on a tiny config file, and the run folder it leaves.
#include "cli_runner.h"

#include <QtTest/QtTest>

#include <filesystem>

namespace {

QList<QJsonObject> jsonl(const QString& path) {
    QFile f(path);
    QList<QJsonObject> out;
    if (!f.open(QIODevice::ReadOnly)) return out;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (!line.isEmpty()) out << QJsonDocument::fromJson(line).object();
    return out;
}

}  // namespace

class TestCliEndToEnd : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString config_;

  private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(
            std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"),
            "Debian's dataset-fashion-mnist is not installed (packaging/install-deps.sh installs "
            "it)");
        config_ = dir_.filePath("tiny.yaml");
        QFile f(config_);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(
            QString("method: tpgm\nepochs: 2\nbatch_size: 32\neval_every_epochs: 1\nthreads: 2\n"
                    "run_dir: %1\n"
                    "tpgm:\n  proj_lr: 0.1\n"
                    "demo:\n  cache_dir: %2\n  pretrain_images: 256\n  pretrain_epochs: 1\n"
                    "  id_train: 200\n  id_proj: 64\n  id_test: 200\n  ood_images: 50\n"
                    "  corruptions: [fog, gaussian_noise]\n  severities: [2]\n  width: 4\n")
                .arg(dir_.filePath("run"), dir_.filePath("cache"))
                .toUtf8());
    }

    void finetuneWritesACompleteRunFolder() {
        const CliResult r = run_cli({"finetune", "-c", config_, "--seed", "3"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("run completed after 12 steps"));
        QVERIFY(r.out.contains("ID test"));
        QVERIFY(r.out.contains("gaussian_noise-2"));
        const QDir run(dir_.filePath("run"));
        for (const char* f : {"config.yaml", "metrics.jsonl", "radii.csv", "summary.json",
                              "checkpoints/final.pt", "checkpoints/last.pt"})
            QVERIFY2(run.exists(f), f);
        QFile cfg(run.filePath("config.yaml"));
        QVERIFY(cfg.open(QIODevice::ReadOnly));
        const QString resolved = cfg.readAll();
        QVERIFY(resolved.contains("seed: 3"));
        QVERIFY(resolved.contains("proj_lr: 0.1"));

        int steps = 0, evals = 0;
        for (const QJsonObject& o : jsonl(run.filePath("metrics.jsonl"))) {
            if (o["type"] == "step") {
                ++steps;
                QVERIFY(std::isfinite(o["loss"].toDouble()));
            }
            if (o["type"] == "eval") {
                ++evals;
                QVERIFY(o["top1"].toObject().contains("id"));
                QVERIFY(o["top1"].toObject().contains("fog-2"));
            }
        }
        QCOMPARE(steps, 12);
        QCOMPARE(evals, 2);

        QFile radii(run.filePath("radii.csv"));
        QVERIFY(radii.open(QIODevice::ReadOnly));
        const QList<QByteArray> rows = radii.readAll().trimmed().split('\n');
        QCOMPARE(rows.front(), QByteArray("step,name,radius,distance,activity"));
        QVERIFY(rows.size() > 12);
        QVERIFY(rows[1].startsWith("1,conv1.weight,"));

        QFile summary(run.filePath("summary.json"));
        QVERIFY(summary.open(QIODevice::ReadOnly));
        const QJsonObject s = QJsonDocument::fromJson(summary.readAll()).object();
        QCOMPARE(s["status"].toString(), QString("completed"));
        QCOMPARE(s["steps"].toInt(), 12);
    }

    // Every method of the family trains end to end through `compare`, which tabulates them with
    // ft as the step-time baseline.
    void compareRunsEveryMethod() {
        const QString out = dir_.filePath("compare");
        const QStringList methods = {"ft", "lp", "lpft", "l2sp", "spd", "ftp", "tpgm", "wise"};
        const CliResult r = run_cli({"compare", "-c", config_, "--methods", methods.join(','),
                                     "--seeds", "0", "-o", out, "--set", "lpft.probe_epochs=1"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QFile md(out + "/compare.md");
        QVERIFY(md.open(QIODevice::ReadOnly));
        const QStringList lines = QString(md.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 2 + methods.size());
        QVERIFY(lines[0].contains("| ood_mean |") && lines[0].contains("extra cost per step"));
        for (int i = 0; i < methods.size(); ++i) {
            QVERIFY2(lines[2 + i].startsWith("| " + methods[i] + " | 1 |"),
                     qPrintable(lines[2 + i]));
            const QString run = out + "/" + methods[i] + "-seed0";
            QFile summary(run + "/summary.json");
            QVERIFY(summary.open(QIODevice::ReadOnly));
            QCOMPARE(QJsonDocument::fromJson(summary.readAll()).object()["status"].toString(),
                     QString("completed"));
        }
        QVERIFY(lines[2].endsWith("| baseline |"));
        QVERIFY(QFile::exists(out + "/wise-seed0/wise.json"));
        QVERIFY(!QFile::exists(out + "/ft-seed0/wise.json"));
    }

    void evalReadsTheRunBack() {
        const CliResult r = run_cli({"eval", "--run", dir_.filePath("run")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("final.pt"));
        QVERIFY(QFile::exists(dir_.filePath("run/eval.json")));
    }

    void evalBuildsTheCorruptionMatrixAndMce() {
        // Against itself as the baseline every corruption error is exactly 1.
        const CliResult r =
            run_cli({"eval", "--run", dir_.filePath("run"), "--corruptions", "fog,contrast",
                     "--severities", "1,4", "--images", "40", "--baseline", dir_.filePath("run")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("mCE 1.000, relative mCE 1.000"));
        QFile f(dir_.filePath("run/eval.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject c =
            QJsonDocument::fromJson(f.readAll()).object()["corruptions"].toObject();
        QCOMPARE(c["top1"].toObject()["fog"].toArray().size(), 2);
        QCOMPARE(c["mce"].toDouble(), 1.0);
        // A misspelt corruption or a negative count is refused before any evaluation runs.
        CliResult bad = run_cli({"eval", "--run", dir_.filePath("run"), "--corruptions", "fogg"});
        QVERIFY2(bad.code != 0 && bad.err.contains("'fogg'"), qPrintable(bad.err));
        QVERIFY2(!bad.out.contains("checkpoint:"), qPrintable(bad.out));
        bad = run_cli(
            {"eval", "--run", dir_.filePath("run"), "--corruptions", "fog", "--images", "-5"});
        QVERIFY2(bad.code != 0 && bad.err.contains("--images"), qPrintable(bad.err));
    }

    void inspectRangesAreNamed() {
        const QString ckpt = dir_.filePath("run/checkpoints/final.pt");
        // A TorchScript file runs code on load: inspect says so (a torch.save file does not).
        const CliResult ts = run_cli({"inspect", TPGM_TEST_DATA_DIR "/resnet_basic.ts"});
        QVERIFY2(ts.code == 0 && ts.out.contains("a TorchScript archive carries code"),
                 qPrintable(ts.out + ts.err));
        QVERIFY(!run_cli({"inspect", TPGM_TEST_DATA_DIR "/resnet_basic.pth"})
                     .out.contains("carries code"));
        CliResult r = run_cli({"inspect", ckpt, "--model", "resnet18", "--classes", "2000000000"});
        QVERIFY2(r.code != 0 && r.err.contains("--classes"), qPrintable(r.err));
        r = run_cli({"inspect", ckpt, "--model", "resnet18", "--in-channels", "0"});
        QVERIFY2(r.code != 0 && r.err.contains("--in-channels"), qPrintable(r.err));
    }

    void secondWriterIsRefusedAndSigtermKeepsTheRun() {
        const QString run = dir_.filePath("long");
        QProcess first;
        first.start(TPGM_CLI_PATH,
                    {"finetune", "-c", config_, "--epochs", "200", "--run-dir", run});
        QVERIFY(first.waitForStarted());
        // Wait for the first step, so the run folder and its lock exist.
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(run + "/metrics.jsonl").size() > 0, 120000);
        const CliResult second = run_cli({"finetune", "--run-dir", run, "--resume"});
        QVERIFY(second.code != 0);
        QVERIFY2(second.err.contains("being written by another process") &&
                     second.err.contains(QString::number(first.processId())),
                 qPrintable(second.err));
        first.terminate();  // SIGTERM
        QVERIFY(first.waitForFinished(60000));
        QCOMPARE(first.exitStatus(), QProcess::NormalExit);
        QCOMPARE(first.exitCode(), 143);
        QVERIFY(QFile::exists(run + "/checkpoints/last.pt"));
        QFile summary(run + "/summary.json");
        QVERIFY(summary.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(summary.readAll()).object()["status"].toString(),
                 QString("stopped"));
    }

    void hardSubsetKeepsExactlyTheMisclassifiedImages() {
        const QString out = dir_.filePath("hard");
        const CliResult r = run_cli({"hard-subset", "-c", config_, "--reference",
                                     dir_.filePath("run/checkpoints/final.pt"), "-o", out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        int files = 0;
        QDirIterator it(out, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) it.next(), ++files;
        QFile summary(dir_.filePath("run/summary.json"));
        QVERIFY(summary.open(QIODevice::ReadOnly));
        const double id =
            QJsonDocument::fromJson(summary.readAll()).object()["top1"].toObject()["id"].toDouble();
        QCOMPARE(files, qRound((1 - id) * 200));  // the tiny config's 200 ID test images
    }

    void badInputGetsAClearErrorAndExitCode() {
        CliResult r = run_cli({"finetune", "-c", config_, "--set", "optim.lrr=0.1"});
        QCOMPARE(r.code, 2);
        QVERIFY2(
            r.err.contains("unknown key 'optim.lrr'") && r.err.contains("did you mean 'optim.lr'"),
            qPrintable(r.err));
        r = run_cli({"finetune", "-c", config_, "--set", "tpgm.norm=l3"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("tpgm.norm"), qPrintable(r.err));
        r = run_cli({"finetune", "-c", config_, "--set", "pretrained=/nonexistent.pt", "--run-dir",
                     dir_.filePath("bad-run")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("/nonexistent.pt") && !r.err.contains("frame #"),
                 qPrintable(r.err));
    }

    void readmeResumeTakesTheRunsOwnSettingsAndNoRunIsReplaced() {
        const QString run = dir_.filePath("resumable");
        auto config_text = [&] {
            QFile f(run + "/config.yaml");
            return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
        };
        CliResult r = run_cli({"finetune", "-c", config_, "--set", "method=ft", "--set",
                               "optim.lr=0.02", "--epochs", "1", "--run-dir", run});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        // As README prints it: tpgm-cli finetune --run-dir runs/ft --resume   # after Ctrl-C
        r = run_cli({"finetune", "--run-dir", run, "--resume"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("ft run completed"), qPrintable(r.out));
        const QString kept = config_text();
        QVERIFY2(kept.contains("method: ft") && kept.contains("lr: 0.02"), qPrintable(kept));
        // A setting that may not change mid-run is refused, naming it; config.yaml stays.
        r = run_cli({"finetune", "--run-dir", run, "--resume", "--set", "method=tpgm"});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains("method: ft -> tpgm"), qPrintable(r.err));
        QCOMPARE(config_text(), kept);
        // A new run into the folder is refused unless --overwrite; the old run is untouched.
        r = run_cli({"finetune", "-c", config_, "--run-dir", run});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains("--overwrite"), qPrintable(r.err));
        QCOMPARE(config_text(), kept);
        QVERIFY(QFile::exists(run + "/checkpoints/final.pt"));
        r = run_cli({"finetune", "-c", config_, "--run-dir", run, "--overwrite", "--epochs", "1"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(config_text().contains("method: tpgm"));
    }

    void forkContinuesAParentWithChangedSettings() {
        const QString parent = dir_.filePath("parent");
        CliResult r = run_cli({"finetune", "-c", config_, "--method", "ft", "--run-dir", parent,
                               "--set", "checkpoint_every_steps=3"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        auto losses = [](const QString& run) {
            std::map<int, double> out;
            for (const QJsonObject& o : jsonl(run + "/metrics.jsonl"))
                if (o["type"] == "step") out[o["step"].toInt()] = o["loss"].toDouble();
            return out;
        };
        const auto parent_loss = losses(parent);
        QCOMPARE(parent_loss.size(), std::size_t(12));
        // Nothing changed: the fork retraces the parent exactly from step 6 on.
        r = run_cli({"finetune", "--fork", parent + "@6", "--run-dir", dir_.filePath("same")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const auto same = losses(dir_.filePath("same"));
        QCOMPARE(same.size(), std::size_t(12));
        for (int step = 1; step <= 12; ++step)
            QVERIFY2(qAbs(same.at(step) - parent_loss.at(step)) <= 1e-6 * parent_loss.at(step),
                     qPrintable(QString("step %1").arg(step)));
        // A higher learning rate from step 6: step 7's loss (the weights of step 6) is the
        // parent's, step 8's is not; fork.json names the parent, the step and the change.
        r = run_cli({"finetune", "--fork", parent + "@6", "--run-dir", dir_.filePath("lr"), "--set",
                     "optim.lr=0.5"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const auto changed = losses(dir_.filePath("lr"));
        QVERIFY(qAbs(changed.at(7) - parent_loss.at(7)) <= 1e-6 * parent_loss.at(7));
        QVERIFY(qAbs(changed.at(8) - parent_loss.at(8)) > 1e-4);
        QFile fork(dir_.filePath("lr/fork.json"));
        QVERIFY(fork.open(QIODevice::ReadOnly));
        const QJsonObject f = QJsonDocument::fromJson(fork.readAll()).object();
        QCOMPARE(f["step"].toInt(), 6);
        QVERIFY(f["parent"].toString().endsWith("parent"));
        QVERIFY2(f["changes"].toArray()[0].toString().startsWith("optim.lr: "),
                 qPrintable(f["changes"].toArray()[0].toString()));
        QFile config(dir_.filePath("lr/config.yaml"));  // rewritten by the resumed trainer
        QVERIFY(config.open(QIODevice::ReadOnly));
        const QString yaml = config.readAll();
        QVERIFY2(yaml.startsWith("# forked from ") && yaml.contains("at step 6\n") &&
                     yaml.contains("#   changed optim.lr: "),
                 qPrintable(yaml));
        // What the checkpoint's state depends on cannot change; a missing step names the others.
        r = run_cli({"finetune", "--fork", parent + "@6", "--run-dir", dir_.filePath("m"), "--set",
                     "model=resnet18"});
        QVERIFY2(r.code != 0 && r.err.contains("model: demo_resnet -> resnet18"),
                 qPrintable(r.err));
        // Another method from step 6: TPGM's radii start anew on the parent's weights.
        r = run_cli({"finetune", "--fork", parent + "@6", "--run-dir", dir_.filePath("tpgm"),
                     "--set", "method=tpgm"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(losses(dir_.filePath("tpgm")).size(), std::size_t(12));
        QFile radii(dir_.filePath("tpgm/radii.csv"));
        QVERIFY(radii.open(QIODevice::ReadOnly));
        QVERIFY(radii.readAll().contains("\n12,"));  // radius updates after the fork point
        QFile tpgmFork(dir_.filePath("tpgm/fork.json"));
        QVERIFY(tpgmFork.open(QIODevice::ReadOnly));
        QVERIFY(QJsonDocument::fromJson(tpgmFork.readAll())
                    .object()["method_state_started_anew"]
                    .toBool());
        r = run_cli({"finetune", "--fork", parent + "@5", "--run-dir", dir_.filePath("m")});
        QVERIFY2(r.code != 0 && r.err.contains("6, 9, 12"), qPrintable(r.err));
        // From the last step a fork has nothing to train unless epochs grow.
        r = run_cli({"finetune", "--fork", parent, "--run-dir", dir_.filePath("m")});
        QVERIFY2(r.code != 0 && r.err.contains("raise epochs"), qPrintable(r.err));
    }

    void runsAreReadableByTensorBoard() {
        // finetune wrote tb/ live; tb-export rebuilds it from the run's files.
        const QDir tb(dir_.filePath("run/tb"));
        QCOMPARE(tb.entryList({"events.out.tfevents.*"}, QDir::Files).size(), 1);
        const CliResult r = run_cli({"tb-export", dir_.filePath("run")});
        QVERIFY2(r.code == 0 && r.out.contains("wrote"), qPrintable(r.err));
        QCOMPARE(tb.entryList({"events.out.tfevents.*"}, QDir::Files).size(), 1);
    }

    void versionNamesTheBuildAndItsLibraries() {
        const CliResult r = run_cli({"--version"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("TPGM Workbench 0.") && r.out.contains("commit ") &&
                     r.out.contains("LibTorch ") && r.out.contains("OpenCV "),
                 qPrintable(r.out));
    }

    void bashCompletionKnowsEverySubcommandAndConfigKey() {
        const CliResult script = run_cli({"completion", "bash"});
        QVERIFY2(script.code == 0, qPrintable(script.err));
        QTemporaryFile file;
        QVERIFY(file.open());
        file.write(script.out.toUtf8());
        file.close();
        auto complete = [&](const QString& line) {
            QProcess bash;
            bash.start(
                "bash",
                {"-c",
                 QString("source %1; COMP_WORDS=(%2); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); "
                         "_tpgm_cli; echo \"${COMPREPLY[*]}\"")
                     .arg(file.fileName(), line)});
            bash.waitForFinished(30000);
            return QString(bash.readAllStandardOutput()).trimmed().split(' ', Qt::SkipEmptyParts);
        };
        // The subcommands --help lists are exactly those completed after "tpgm-cli ".
        const CliResult help = run_cli({"--help"});
        QStringList listed;
        bool in_list = false;
        for (const QString& line : help.out.split('\n')) {
            if (line.startsWith("Subcommands:"))
                in_list = true;
            else if (in_list && line.startsWith("  ") && line.size() > 2 && line[2] != ' ')
                listed << line.trimmed().split(' ').first();  // not a continuation line
        }
        QStringList completed = complete("tpgm-cli ''");
        listed.sort();
        completed.sort();
        QVERIFY(listed.size() >= 12);
        QCOMPARE(completed, listed);
        QCOMPARE(complete("tpgm-cli bench lo"), QStringList{"loader"});
        QVERIFY(complete("tpgm-cli finetune --se").contains("--set"));
        QCOMPARE(complete("tpgm-cli finetune --set tpgm.proj_l"), QStringList{"tpgm.proj_lr="});
    }

    void everySubcommandHasHelp() {
        for (const QStringList& args :
             {QStringList{"--help"}, QStringList{"finetune", "--help"},
              QStringList{"eval", "--help"}, QStringList{"bench", "train", "--help"},
              QStringList{"compare", "--help"}, QStringList{"corrupt", "--help"},
              QStringList{"bench", "loader", "--help"}, QStringList{"demo", "build", "--help"}}) {
            const CliResult r = run_cli(args);
            QVERIFY2(r.code == 0 && r.out.contains("Usage"), qPrintable(args.join(' ')));
        }
    }
};

QTEST_GUILESS_MAIN(TestCliEndToEnd)
#include "test_cli_e2e.moc"
