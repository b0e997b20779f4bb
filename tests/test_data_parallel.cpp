// SPDX-License-Identifier: GPL-3.0-or-later
// Data-parallel training over Gloo on localhost: two processes train as one with the same global
// batch, rank 0 alone writes, a killed or hung rank ends the run with a resumable checkpoint, and
// the pieces it rests on (sharded evaluation, per-example augmentation, the environment).
#include "checkpoints/checkpoint.h"
#include "cli_runner.h"
#include "config/config_schema.h"
#include "data/image_folder.h"
#include "data/image_set.h"
#include "engine/data_parallel.h"
#include "engine/evaluator.h"
#include "engine/launcher.h"
#include "models/classifier.h"
#include "models/sync_batch_norm.h"
#include "runs/run_lock.h"
#include "runs/run_reader.h"
#include "tiny_demo.h"

#include <QtTest/QtTest>

#include <opencv2/imgcodecs.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>
#include <thread>

using namespace tpgm;

namespace {

// The environment of rank `rank` of a `world`-process run started by hand, as a launcher would.
QProcessEnvironment rank_environment(int rank, int world, int port) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("RANK", QString::number(rank));
    env.insert("WORLD_SIZE", QString::number(world));
    env.insert("MASTER_ADDR", "127.0.0.1");
    env.insert("MASTER_PORT", QString::number(port));
    return env;
}

// Largest |a - b| over every tensor of two checkpoints, relative to the tensor's largest |a|.
double max_relative_difference(const std::string& a, const std::string& b) {
    const LoadedCheckpoint x = read_checkpoint(a), y = read_checkpoint(b);
    double worst = 0;
    for (std::size_t i = 0; i < x.state.size(); ++i) {
        const auto& [name, t] = x.state[i];
        if (!t.is_floating_point()) continue;
        const auto u = y.state.at(i).second;
        const double scale = std::max(1e-3, t.abs().max().item<double>());
        const double d = (t - u).abs().max().item<double>() / scale;
        if (d > worst) qInfo("%s: %.3g (largest |w| %.3g)", name.c_str(), d, scale);
        worst = std::max(worst, d);
    }
    return worst;
}

// The files of a run folder; TensorBoard event files (named by time, host and process) as
// "tb/events".
std::multiset<std::string> files_under(const std::string& dir) {
    std::multiset<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file()) continue;
        const std::string name = std::filesystem::relative(e.path(), dir).string();
        out.insert(name.rfind("tb/events.out.tfevents.", 0) == 0 ? "tb/events" : name);
    }
    return out;
}

}  // namespace

class TestDataParallel : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::string config_;

    std::string path(const char* name) const { return dir_.filePath(name).toStdString(); }

    // Starts both ranks of a run by hand, waits for its first checkpoint, then does `fault` to
    // rank 1 and returns rank 0's exit code and how long it took to exit after the fault.
    std::pair<int, double> fault_rank_one(const std::string& run, int timeout_s, int signal) {
        const QStringList args{"finetune",
                               "-c",
                               QString::fromStdString(config_),
                               "-q",
                               "--run-dir",
                               QString::fromStdString(run),
                               "--epochs",
                               "20",
                               "--set",
                               "eval_every_epochs=0",
                               "--set",
                               "dist.timeout_s=" + QString::number(timeout_s)};
        const int port = free_local_port();
        QProcess rank0, rank1;
        rank0.setProcessEnvironment(rank_environment(0, 2, port));
        rank1.setProcessEnvironment(rank_environment(1, 2, port));
        rank0.start(TPGM_CLI_PATH, args);
        rank1.start(TPGM_CLI_PATH, args);
        const std::string last = run + "/checkpoints/last.pt";
        QElapsedTimer waited;
        waited.start();
        while (!std::filesystem::exists(last) && waited.elapsed() < kCliTimeoutMs) QTest::qWait(20);
        ::kill(static_cast<pid_t>(rank1.processId()), signal);
        QElapsedTimer after;
        after.start();
        rank0.waitForFinished(kCliTimeoutMs);
        const double seconds = after.elapsed() / 1000.0;
        ::kill(static_cast<pid_t>(rank1.processId()), SIGKILL);
        rank1.waitForFinished();
        return {rank0.exitCode(), seconds};
    }

  private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(fashion_mnist_available(),
                 "Debian's dataset-fashion-mnist is not installed (packaging/install-deps.sh "
                 "installs it)");
        if (!data_parallel_available()) QSKIP("this build has no Gloo (libgloo-dev)");
        RunConfig c = tiny_demo_config(path("cache"), path("one"));
        c.threads = 1;         // two processes share this machine's cores
        c.freeze_bn = true;    // per-process BatchNorm statistics would differ from one batch's
        c.tpgm.proj_lr = 0.1;  // radii that move within the few steps
        c.checkpoint_every_steps = 3;
        c.precision = "float64";  // equal to rounding on any CPU (twoProcessesTrainAsOne)
        config_ = path("tiny.yaml");
        std::ofstream(config_) << to_yaml(c);
    }

    // Trains `settings` in one process and in two; returns both run folders' records.
    std::pair<RunRecord, RunRecord> one_and_two(const QString& tag, const QStringList& settings) {
        const std::string one_dir = path("one-") + tag.toStdString();
        const std::string two_dir = path("two-") + tag.toStdString();
        QStringList args{"finetune", "-c", QString::fromStdString(config_), "-q"};
        for (const QString& s : settings) args << "--set" << s;
        CliResult r = run_cli(args + QStringList{"--run-dir", QString::fromStdString(one_dir)});
        if (r.code != 0) qWarning("%s", qPrintable(r.err));
        r = run_cli(args +
                    QStringList{"--run-dir", QString::fromStdString(two_dir), "--nproc", "2"});
        if (r.code != 0) qWarning("%s", qPrintable(r.err + r.out));
        return {read_run(one_dir), read_run(two_dir)};
    }

    void twoProcessesTrainAsOne_data() {
        QTest::addColumn<QStringList>("settings");
        QTest::newRow("ft") << QStringList{"method=ft"};
        QTest::newRow("tpgm") << QStringList{"method=tpgm"};
        // BatchNorm in training mode: SyncBatchNorm gives each process the whole batch's
        // statistics, so two processes normalise as one does.
        QTest::newRow("ft-sync-bn")
            << QStringList{"method=ft", "freeze_bn=false", "dist.sync_bn=true"};
    }

    void twoProcessesTrainAsOne() {
        QFETCH(QStringList, settings);
        const QString tag = QTest::currentDataTag();
        const auto [one, two] = one_and_two(tag, settings);
        const std::string one_dir = one.dir, two_dir = two.dir;
        QVERIFY(two.summary && two.summary->status == RunStatus::Completed);
        QCOMPARE(two.summary->steps, int64_t{12});
        // The runs are in float64 (initTestCase), so the two processes' different summation
        // orders (half batches, all-reduced sums, the CPU's vector width) differ by rounding of
        // about eps = 2.2e-16, amplified by 12 steps of training. In float32 the same runs
        // showed that amplification: up to 1e4 eps (1.3e-3 of the smallest bias tensors with
        // training-mode BatchNorm), and TPGM's radius gradient flipped rows whose ratio
        // radius / norm sat within float32 rounding of the clamp's edge (its 1e-8 guard is
        // below float32's resolution of a norm near 1, but far above float64's). A bound of
        // 1e4 eps times a margin of 100 holds on any IEEE CPU; measured here: 3e-15 on the
        // losses, 9e-14 on the weights, radii equal.
        const double bound = 1e6 * std::numeric_limits<double>::epsilon();
        // The same global batches: the same losses, step by step.
        QCOMPARE(two.steps.size(), one.steps.size());
        for (std::size_t i = 0; i < one.steps.size(); ++i)
            QVERIFY2(std::abs(one.steps[i].loss - two.steps[i].loss) <= bound * one.steps[i].loss,
                     qPrintable(QString("step %1: loss %2 vs %3")
                                    .arg(i + 1)
                                    .arg(one.steps[i].loss, 0, 'g', 17)
                                    .arg(two.steps[i].loss, 0, 'g', 17)));
        // Weights and radii after 12 steps.
        const double weights = max_relative_difference(one_dir + "/checkpoints/final.pt",
                                                       two_dir + "/checkpoints/final.pt");
        qInfo("largest relative weight difference: %.3g", weights);
        QCOMPARE(
            read_checkpoint(one_dir + "/checkpoints/final.pt").state.front().second.scalar_type(),
            torch::kDouble);
        QVERIFY2(weights <= bound, qPrintable(QString::number(weights)));
        const RadiiSnapshot& r1 = one.radii.back();
        const RadiiSnapshot& r2 = two.radii.back();
        QCOMPARE(r2.names, r1.names);
        double radii = 0, distances = 0;
        for (std::size_t i = 0; i < r1.radius.size(); ++i) {
            if (r1.radius[i] > 0)
                radii = std::max(radii, std::abs(r1.radius[i] - r2.radius[i]) / r1.radius[i]);
            if (r1.distance[i] > 0)
                distances =
                    std::max(distances, std::abs(r1.distance[i] - r2.distance[i]) / r1.distance[i]);
        }
        qInfo("largest relative difference of radii %.3g, of distances from W0 %.3g", radii,
              distances);
        QVERIFY2(radii <= bound, qPrintable(QString::number(radii)));
        QVERIFY2(distances <= bound, qPrintable(QString::number(distances)));
        // Sharded evaluation scores every image once: the same accuracies.
        QCOMPARE(two.summary->final_top1.size(), one.summary->final_top1.size());
        for (const auto& [set, top1] : one.summary->final_top1)
            QVERIFY2(two.summary->final_top1.at(set) == top1, set.c_str());
        // Radii, weights and buffers bit-identical on both ranks, checked at every checkpoint.
        const bool checked = std::any_of(two.logs.begin(), two.logs.end(), [](const LogEvent& e) {
            return e.message.find("2 replicas hold bit-identical weights, buffers and radii") !=
                   std::string::npos;
        });
        QVERIFY(checked);
        QCOMPARE(two.summary->processes, 2);
        QVERIFY(two.summary->communication_seconds > 0);
    }

    void perProcessBatchNormIsNotTheWholeBatch() {
        // Without SyncBatchNorm each process normalises with its own half of the batch (PyTorch
        // DDP's default): the losses differ from one process's from the first step on.
        const auto [one, two] = one_and_two("ft-bn", {"method=ft", "freeze_bn=false"});
        QVERIFY(two.summary && two.summary->status == RunStatus::Completed);
        QVERIFY2(std::abs(one.steps[0].loss - two.steps[0].loss) > 1e-4,
                 qPrintable(QString::number(one.steps[0].loss - two.steps[0].loss)));
    }

    void syncableBatchNormAloneIsBatchNorm() {
        // One process summing with itself: SyncableBatchNorm2d's own statistics path must give
        // BatchNorm2d's output, gradients and running statistics.
        struct Alone final : ProcessSum {
            torch::Tensor sum(const torch::Tensor& t) override { return t; }
        };
        torch::manual_seed(1);
        torch::nn::BatchNorm2d plain(3);
        SyncableBatchNorm2d synced(3);
        synced->synchronise(std::make_shared<Alone>());
        {
            torch::NoGradGuard no_grad;
            for (auto* w : {&plain->weight, &synced->weight})
                w->copy_(torch::tensor({0.5, 1.5, -2.0}));
            for (auto* b : {&plain->bias, &synced->bias}) b->copy_(torch::tensor({0.1, -0.2, 0.3}));
        }
        const auto x = (torch::randn({4, 3, 5, 5}) * 3 + 7).requires_grad_(true);
        const auto x2 = x.detach().clone().requires_grad_(true);
        const auto upstream = torch::randn({4, 3, 5, 5});
        const auto a = plain(x), b = synced(x2);
        QVERIFY(torch::allclose(a, b, 1e-5, 1e-5));
        (a * upstream).sum().backward();
        (b * upstream).sum().backward();
        QVERIFY(torch::allclose(x.grad(), x2.grad(), 1e-4, 1e-5));
        QVERIFY(torch::allclose(plain->weight.grad(), synced->weight.grad(), 1e-4, 1e-5));
        QVERIFY(torch::allclose(plain->bias.grad(), synced->bias.grad(), 1e-4, 1e-5));
        QVERIFY(torch::allclose(plain->running_mean, synced->running_mean, 1e-6, 1e-6));
        QVERIFY(torch::allclose(plain->running_var, synced->running_var, 1e-5, 1e-6));
        QCOMPARE(synced->num_batches_tracked.item<int64_t>(), int64_t{1});
        // Eval mode uses the running statistics, as BatchNorm2d does.
        plain->eval();
        synced->eval();
        QVERIFY(torch::allclose(plain(x.detach()), synced(x.detach()), 1e-5, 1e-5));
    }

    void gradientBucketsAverageLikeOneBatch() {
        // Two ranks in two threads, each with half of a batch, gradients in buckets of 64 bytes
        // (several per backward pass, sent while it runs): the full batch's gradients.
        torch::manual_seed(3);
        torch::nn::Sequential model(torch::nn::Linear(4, 8), torch::nn::ReLU(),
                                    torch::nn::Linear(8, 3));
        const auto x = torch::randn({8, 4});
        const auto y = torch::randint(0, 3, {8});
        torch::nn::functional::cross_entropy(model->forward(x), y).backward();
        const int port = free_local_port();
        std::vector<std::vector<torch::Tensor>> grads(2);
        std::vector<std::string> errors(2);
        std::vector<std::thread> ranks;
        for (int r = 0; r < 2; ++r)
            ranks.emplace_back([&, r] {
                try {
                    auto replica =
                        std::dynamic_pointer_cast<torch::nn::SequentialImpl>(model->clone());
                    DataParallel dp({r, 2, r, 2, "127.0.0.1", port}, std::chrono::seconds(20), 64);
                    dp.watch_gradients(replica->parameters());
                    replica->zero_grad();
                    dp.begin_backward(4);
                    torch::nn::functional::cross_entropy(replica->forward(x.narrow(0, 4 * r, 4)),
                                                         y.narrow(0, 4 * r, 4))
                        .backward();
                    dp.finish_backward(8);
                    for (const auto& p : replica->parameters())
                        grads[r].push_back(p.grad().clone());
                } catch (const std::exception& e) {
                    errors[r] = e.what();
                }
            });
        for (auto& t : ranks) t.join();
        QVERIFY2(errors[0].empty() && errors[1].empty(), (errors[0] + errors[1]).c_str());
        const auto expected = model->parameters();
        for (int r = 0; r < 2; ++r)
            for (std::size_t i = 0; i < expected.size(); ++i)
                QVERIFY(torch::allclose(grads[r][i], expected[i].grad(), 1e-5, 1e-6));
    }

    void onlyRankZeroWrites() {
        // The same files as one process writes, each written once (step events not doubled).
        QVERIFY(std::filesystem::exists(path("two-tpgm") + "/summary.json"));
        QCOMPARE(files_under(path("two-tpgm")), files_under(path("one-tpgm")));
        const RunRecord run = read_run(path("two-tpgm"));
        QCOMPARE(static_cast<int>(run.steps.size()), 12);
        QCOMPARE(static_cast<int>(run.evals.size()), 2);
    }

    void ranksStopWithAKilledLauncher() {
        // kill -9 of `--nproc 2`'s launcher left both ranks training, holding the run folder's
        // lock: a resume was refused until they ended by themselves.
        const std::string run = path("orphans");
        QProcess launcher;
        launcher.start(TPGM_CLI_PATH, {"finetune", "-c", QString::fromStdString(config_), "-q",
                                       "--run-dir", QString::fromStdString(run), "--epochs", "20",
                                       "--set", "eval_every_epochs=0", "--nproc", "2"});
        QElapsedTimer waited;
        waited.start();
        while (!std::filesystem::exists(run + "/checkpoints/last.pt") &&
               waited.elapsed() < kCliTimeoutMs)
            QTest::qWait(20);
        QVERIFY(std::filesystem::exists(run + "/checkpoints/last.pt"));
        ::kill(static_cast<pid_t>(launcher.processId()), SIGKILL);
        launcher.waitForFinished();
        // The ranks stop at their next step, checkpoint and release the lock within seconds
        // (a 20-epoch run would hold it for minutes).
        QElapsedTimer released;
        released.start();
        bool free = false;
        while (!free && released.elapsed() < 20000) {
            try {
                RunLock lock(run);
                free = true;
            } catch (const std::runtime_error&) {
                QTest::qWait(100);
            }
        }
        QVERIFY2(free, "the ranks still hold the run folder");
        qInfo("the ranks released the run folder %.1f s after their launcher died",
              released.elapsed() / 1000.0);
        const RunRecord record = read_run(run);
        QVERIFY(record.summary);
        QCOMPARE(record.summary->status, RunStatus::Stopped);
    }

    void nprocIsBoundedByTheCores() {
        const CliResult r =
            run_cli({"finetune", "-c", QString::fromStdString(config_), "-q", "--run-dir",
                     QString::fromStdString(path("too-many")), "--nproc", "256"});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains("--nproc 256: at most one process per core"), qPrintable(r.err));
        QVERIFY(!std::filesystem::exists(path("too-many") + "/checkpoints"));
    }

    void aKilledRankEndsTheRunResumably() {
        const std::string run = path("killed");
        const auto [code, seconds] = fault_rank_one(run, 30, SIGKILL);
        QCOMPARE(code, 1);
        QVERIFY2(seconds < 10, qPrintable(QString::number(seconds)));  // not the 30 s timeout
        const RunRecord record = read_run(run);
        QVERIFY(record.summary);
        QCOMPARE(record.summary->status, RunStatus::Failed);
        const QString message = QString::fromStdString(record.summary->message);
        QVERIFY2(message.contains("another process died") &&
                     message.contains("the last good checkpoint (step") &&
                     message.contains("resume with resume=true"),
                 qPrintable(message));
        // The checkpoint is valid and the run resumes, here in one process.
        const CliResult r =
            run_cli({"finetune", "--run-dir", QString::fromStdString(run), "--resume", "-q"});
        QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
        QVERIFY(r.out.contains("tpgm run completed after 120 steps"));
    }

    void aHungRankTimesOut() {
        const std::string run = path("hung");
        const auto [code, seconds] = fault_rank_one(run, 2, SIGSTOP);
        QCOMPARE(code, 1);
        QVERIFY2(seconds >= 1.5 && seconds < 15, qPrintable(QString::number(seconds)));
        const RunRecord record = read_run(run);
        QVERIFY(record.summary);
        const QString message = QString::fromStdString(record.summary->message);
        QVERIFY2(message.contains("did not answer within dist.timeout_s = 2 s"),
                 qPrintable(message));
    }

    void badPlacementIsAClearError() {
        const RunConfig ok = load_config_file(config_);
        auto env = rank_environment(1, 1, 29500);
        CliResult r = run_cli({"finetune", "-c", QString::fromStdString(config_), "-q", "--run-dir",
                               dir_.filePath("bad1")},
                              env);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("RANK=1 must be below WORLD_SIZE=1"), qPrintable(r.err));
        env.remove("RANK");
        env.insert("WORLD_SIZE", "2");
        r = run_cli({"finetune", "-c", QString::fromStdString(config_), "-q", "--run-dir",
                     dir_.filePath("bad2")},
                    env);
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("RANK is not"), qPrintable(r.err));
        // 31 images per step do not split over 2 processes.
        r = run_cli({"finetune", "-c", QString::fromStdString(config_), "-q", "--run-dir",
                     dir_.filePath("bad3"), "--nproc", "2", "--set", "batch_size=31"});
        QVERIFY(r.code != 0);
        QVERIFY2(r.err.contains("batch_size = 31 must be a multiple of the 2 processes"),
                 qPrintable(r.err));
        QVERIFY(ok.batch_size == 32);
    }

    void shardedEvaluationCoversEverySetOnce() {
        torch::manual_seed(0);
        auto model = create_model({"demo_resnet", 10, 1, 4});
        TensorDataset data{"set", torch::randint(0, 256, {101, 1, 28, 28}).to(torch::kUInt8),
                           torch::randint(0, 10, {101}).to(torch::kInt64)};
        const ImageSetPtr set = make_tensor_set(data, {"set"});
        const Normalization norm{{0.5}, {0.5}};
        const Accuracy all = evaluate(*model, set, norm, torch::kCPU, {0, 1}, 16);
        double hits = 0, count = 0;
        for (int k = 0; k < 3; ++k) {
            EvalShard shard{k, 3, nullptr};
            // Each third alone: its counts, summed here by hand.
            std::vector<double> mine;
            shard.sum = [&](std::vector<double> v) {
                mine = v;
                return v;
            };
            evaluate(*model, set, norm, torch::kCPU, {0, 1}, 16, shard);
            hits += mine[0];
            count += mine[2];
        }
        QCOMPARE(count, 101.0);
        QCOMPARE(hits / count, all.top1);
    }

    void fileSetsAugmentEachExampleOnItsOwn() {
        // A rank loads only its share of a batch of image files: each example's augmentation must
        // not depend on the rest of the batch.
        ImageList list;
        const std::filesystem::path folder = path("images");
        std::filesystem::create_directories(folder);
        for (int i = 0; i < 6; ++i) {
            cv::Mat img(40 + i, 50, CV_8UC3);
            cv::randu(img, 0, 255);
            const std::string file = (folder / (std::to_string(i) + ".png")).string();
            QVERIFY(cv::imwrite(file, img));
            list.samples.push_back({file, i % 2});
        }
        list.classes = {"a", "b"};
        const ImageSetPtr set = make_file_set(list, {"files"}, {32, false, 1});
        QVERIFY(set->augments_per_example());
        const SetBatch whole = set->load({0, 1, 2, 3, 4, 5}, Transform::Train, 7);
        const SetBatch first = set->load({0, 1, 2}, Transform::Train, 7);
        const SetBatch second = set->load({3, 4, 5}, Transform::Train, 7);
        QVERIFY(torch::equal(torch::cat({first.images, second.images}), whole.images));
        // The demo's in-memory sets draw across the batch: ranks cut their share from it.
        TensorDataset data{"demo", torch::randint(0, 256, {6, 1, 28, 28}).to(torch::kUInt8),
                           torch::zeros({6}, torch::kInt64)};
        QVERIFY(!make_tensor_set(data, {"demo"})->augments_per_example());
    }
};

QTEST_GUILESS_MAIN(TestDataParallel)
#include "test_data_parallel.moc"
