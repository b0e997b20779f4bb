// SPDX-License-Identifier: GPL-3.0-or-later
// The run folder API (runs/run_store.h): which checkpoint stands for a run, eval.json, finding
// runs by method, following a growing folder incrementally, and a resumed run that repeats no
// step. No training: the folders are written directly, so the suite runs in well under a second.
#include "config/config_schema.h"
#include "engine/comparison.h"
#include "engine/run_eval.h"
#include "engine/trainer.h"
#include "runs/run_discovery.h"
#include "runs/run_files.h"
#include "runs/run_lock.h"
#include "runs/run_paths.h"
#include "runs/run_reader.h"
#include "runs/run_store.h"

#include <QtTest/QtTest>

#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>

using namespace tpgm;
namespace fs = std::filesystem;

namespace {

void touch(const std::string& path) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path) << "x";
}

void append_text(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::app) << text << std::flush;
}

std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

StepEvent step_event(int64_t step, double loss = 1.0) {
    StepEvent e;
    e.step = step;
    e.total_steps = 100;
    e.loss = loss;
    return e;
}

EvalEvent eval_event(int64_t step, double id_top1) {
    EvalEvent e;
    e.step = step;
    e.top1 = {{"id", id_top1}};
    e.top5 = {{"id", 1.0}};
    return e;
}

RadiiSnapshot radii_event(int64_t step, double radius = 0.5) {
    return {step, {"layer1.weight", "layer2.weight"}, {radius, 2 * radius}, {0.1, 0.2}};
}

// The steps of `steps`, in order.
std::vector<int64_t> step_numbers(const std::vector<StepEvent>& steps) {
    std::vector<int64_t> out;
    for (const auto& s : steps) out.push_back(s.step);
    return out;
}

std::vector<int64_t> range(int64_t first, int64_t last) {
    std::vector<int64_t> out;
    for (int64_t s = first; s <= last; ++s) out.push_back(s);
    return out;
}

}  // namespace

class TestRunStore : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::string dir(const std::string& name) const {
        return (fs::path(tmp_.path().toStdString()) / name).string();
    }

  private Q_SLOTS:
    void bestCheckpointIsFinalElseLastElseAnError() {
        const std::string run = dir("ckpt");
        fs::create_directories(run);
        QVERIFY(!find_best_checkpoint(run));
        try {
            best_checkpoint(run);
            QFAIL("a folder without checkpoints must throw");
        } catch (const std::runtime_error& e) {
            QVERIFY2(std::string(e.what()).find(run) != std::string::npos, e.what());
        }
        const RunPaths paths(run);
        touch(paths.last_checkpoint());
        QCOMPARE(best_checkpoint(run), paths.last_checkpoint());
        touch(paths.final_checkpoint());
        QCOMPARE(best_checkpoint(run), paths.final_checkpoint());
        QCOMPARE(*find_best_checkpoint(run), paths.final_checkpoint());
        QCOMPARE(fs::path(paths.final_checkpoint()).filename().string(), std::string("final.pt"));
    }

    void evalJsonRoundTripsInTheExistingFormat() {
        const std::string run = dir("eval");
        fs::create_directories(run);
        QVERIFY(!read_eval_json(run));
        CorruptionReport c;
        c.severities = {1, 3};
        c.top1 = {{"fog", {0.8, 0.6}}, {"contrast", {0.5, 0.25}}};
        c.mean = 0.5375;
        c.clean = 0.9;
        c.baseline = "runs/ft";
        c.ce = {{"fog", 0.7}, {"contrast", 0.9}};
        c.relative_ce = {{"fog", 0.6}, {"contrast", 1.1}};
        c.mce = 0.8;
        c.relative_mce = 0.85;
        const EvalReport written{
            "runs/tpgm/checkpoints/final.pt", {{"id", 0.91}, {"ood_mean", 0.4}}, {{"id", 0.99}}, c};
        write_eval_json(run, written);
        const auto back = read_eval_json(run);
        QVERIFY(back);
        QCOMPARE(back->checkpoint, written.checkpoint);
        QCOMPARE(back->top1, written.top1);
        QCOMPARE(back->top5, written.top5);
        QVERIFY(back->corruptions);
        QCOMPARE(back->corruptions->severities, c.severities);
        QCOMPARE(back->corruptions->top1, c.top1);
        QCOMPARE(back->corruptions->mean, c.mean);
        QCOMPARE(back->corruptions->clean, c.clean);
        QCOMPARE(back->corruptions->baseline, c.baseline);
        QCOMPARE(back->corruptions->ce, c.ce);
        QCOMPARE(back->corruptions->relative_ce, c.relative_ce);
        QCOMPARE(back->corruptions->mce, c.mce);
        QCOMPARE(back->corruptions->relative_mce, c.relative_mce);

        // The layout older readers (and folders) know: the matrix under "corruptions".
        QFile f(QString::fromStdString(RunPaths(run).eval()));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject j = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(j.value("checkpoint").toString(), QString::fromStdString(written.checkpoint));
        QCOMPARE(j.value("top1").toObject().value("id").toDouble(), 0.91);
        const QJsonObject m = j.value("corruptions").toObject();
        QCOMPARE(m.value("severities").toArray().at(1).toInt(), 3);
        QCOMPARE(m.value("top1").toObject().value("fog").toArray().at(1).toDouble(), 0.6);
        QCOMPARE(m.value("mce").toDouble(), 0.8);
        QCOMPARE(m.value("clean").toDouble(), 0.9);

        // Without a baseline there are no CE keys, and without a matrix no "corruptions".
        EvalReport plain = written;
        plain.corruptions->baseline.clear();
        write_eval_json(run, plain);
        std::ifstream in(RunPaths(run).eval());
        const std::string text{std::istreambuf_iterator<char>(in), {}};
        QVERIFY(text.find("\"mce\"") == std::string::npos);
        plain.corruptions.reset();
        write_eval_json(run, plain);
        QVERIFY(!read_eval_json(run)->corruptions);

        // A hand-written file with only part of the matrix (as older tools wrote) still reads.
        std::ofstream(RunPaths(run).eval())
            << "{\"corruptions\": {\"severities\": [1, 2], \"top1\": {\"fog\": [0.8, null]}}}";
        const auto partial = read_eval_json(run);
        QVERIFY(partial && partial->corruptions);
        QCOMPARE(partial->corruptions->top1.at("fog").at(0), 0.8);
        QVERIFY(std::isnan(partial->corruptions->top1.at("fog").at(1)));
    }

    void findRunsByMethod() {
        const std::string parent = dir("runs");
        for (const auto& [name, method] : std::vector<std::pair<std::string, std::string>>{
                 {"b-tpgm", "tpgm"}, {"a-tpgm", "tpgm"}, {"c-ft", "ft"}, {"d-lp", "lp"}}) {
            RunConfig config;
            config.method = method;
            RunStore((fs::path(parent) / name).string(), false).write_config(config);
        }
        fs::create_directories(fs::path(parent) / "no-config");
        std::ofstream((fs::path(parent) / "broken" / "config.yaml").string())
            << "method: [unclosed\n";
        const std::string a = (fs::path(parent) / "a-tpgm").string();
        const std::string b = (fs::path(parent) / "b-tpgm").string();
        const std::string c = (fs::path(parent) / "c-ft").string();
        QCOMPARE(find_runs(parent, "tpgm"), (std::vector<std::string>{a, b}));
        QCOMPARE(find_runs(parent, "ft"), (std::vector<std::string>{c}));
        QCOMPARE(find_runs(parent, "").size(), std::size_t(4));
        QVERIFY(find_runs(dir("missing"), "tpgm").empty());
        QCOMPARE(method_of_config("method: lp\n"), std::string("lp"));

        // Newest completed run: only folders with final.pt count, the newest final.pt wins.
        QVERIFY(!newest_finished_run(parent, "tpgm"));
        touch(RunPaths(a).final_checkpoint());
        touch(RunPaths(b).final_checkpoint());
        touch(RunPaths(c).final_checkpoint());
        const auto now = fs::file_time_type::clock::now();
        fs::last_write_time(RunPaths(a).final_checkpoint(), now - std::chrono::hours(1));
        fs::last_write_time(RunPaths(b).final_checkpoint(), now - std::chrono::hours(2));
        QCOMPARE(*newest_finished_run(parent, "tpgm"), a);
        fs::last_write_time(RunPaths(b).final_checkpoint(), now);
        QCOMPARE(*newest_finished_run(parent, "tpgm"), b);
        QCOMPARE(*newest_finished_run(parent, "ft"), c);
        QVERIFY(!newest_finished_run(parent, "lp"));
    }

    void comparisonEntriesSharingAFolderAreRefused() {
        // `ft@tpgm.exclude=[a.b]` and `[a_b]` wrote one run folder, the second run over the first.
        ComparisonPlan plan;
        plan.entries = {"ft@tpgm.exclude=[a.b]", "ft@tpgm.exclude=[a_b]"};
        plan.seeds = {0};
        plan.out = dir("compare-clash");
        EventSink sink;
        RunControl control;
        std::string error = "ran";
        try {
            run_comparison(plan, sink, control);
        } catch (const ConfigError& e) {
            error = e.what();
        }
        QVERIFY2(error.find("'ft@tpgm.exclude=[a.b]' and 'ft@tpgm.exclude=[a_b]' would share "
                            "the run folder") != std::string::npos,
                 error.c_str());
        QVERIFY(!fs::exists(plan.out));
        plan.entries = {"ft", "ft"};
        QVERIFY_THROWS_EXCEPTION(ConfigError, run_comparison(plan, sink, control));
    }

    // A stop request (the window's Cancel, the CLI's Ctrl-C) ends a comparison before its next
    // run and an evaluation before its data loads, as StopRequested, with nothing written.
    void longEngineFunctionsStopOnRequest() {
        ComparisonPlan plan;
        plan.entries = {"ft", "lp"};
        plan.seeds = {0, 1};
        plan.out = dir("compare-stopped");
        EventSink sink;
        RunControl control;
        control.request_stop();
        int runs = 0;
        QVERIFY_THROWS_EXCEPTION(StopRequested, run_comparison(plan, sink, control,
                                                               [&](const std::string&, int,
                                                                   const RunSummary&) { ++runs; }));
        QCOMPARE(runs, 0);
        QVERIFY(!fs::exists(plan.out));

        const std::string run = dir("eval-stopped");
        fs::create_directories(run);
        CorruptionRequest request;
        request.corruptions = {"fog"};
        QVERIFY_THROWS_EXCEPTION(StopRequested, evaluate_run(run, request, sink, control));
        QVERIFY(!fs::exists(RunPaths(run).eval()));
    }

    void temporaryFilesOfAKilledWriterAreRemoved() {
        // kill -9 during an atomic write leaves NAME.tmp.PID; they piled up in run folders.
        const std::string run = dir("stale");
        fs::create_directories(run + "/checkpoints");
        for (const char* f : {"/checkpoints/last.pt.tmp.4242", "/summary.json.tmp.17",
                              "/notes.tmp.txt", "/checkpoints/keep.tmp."})
            std::ofstream(run + f) << "x";
        { RunStore store(run, true); }
        QVERIFY(!fs::exists(run + "/checkpoints/last.pt.tmp.4242"));
        QVERIFY(!fs::exists(run + "/summary.json.tmp.17"));
        QVERIFY(fs::exists(run + "/notes.tmp.txt"));  // not a name atomic writes use
        QVERIFY(fs::exists(run + "/checkpoints/keep.tmp."));
    }

    void aFailedAppendNamesTheFile() {
        // A full disk (here a file-size limit: write() fails part-way) must stop the writer,
        // naming the file, instead of losing every later line silently.
        const std::string run = dir("full");
        RunStore store(run, false);
        store.append(step_event(1));
        store.append(radii_event(1));
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit old{};
        getrlimit(RLIMIT_FSIZE, &old);
        // The limit lets no file grow 10 bytes past `file`, which is written first.
        const auto thrown = [&](const std::string& file,
                                const std::function<void()>& write) -> std::string {
            rlimit tight = old;
            tight.rlim_cur = fs::file_size(file) + 10;
            setrlimit(RLIMIT_FSIZE, &tight);
            std::string what = "nothing thrown";
            try {
                write();
            } catch (const std::runtime_error& e) {
                what = e.what();
            }
            setrlimit(RLIMIT_FSIZE, &old);
            return what;
        };
        const std::string metrics = RunPaths(run).metrics(), radii = RunPaths(run).radii();
        std::string what = thrown(metrics, [&] { store.append(step_event(2)); });
        QVERIFY2(what.find("could not write '" + metrics + "'") == 0, what.c_str());
        what = thrown(radii, [&] { store.append(radii_event(2)); });
        QVERIFY2(what.find("could not write '" + radii + "'") == 0, what.c_str());
    }

    void followerReturnsOnlyNewLines() {
        const std::string run = dir("follow");
        RunStore store(run, false);
        for (int64_t s = 1; s <= 3; ++s) store.append(step_event(s));
        RunFollower follower(run);
        RunUpdate u = follower.poll();
        QCOMPARE(step_numbers(u.steps), range(1, 3));
        QVERIFY(u.config_changed && u.summary_changed && !u.summary);
        QVERIFY(follower.poll().empty());

        store.append(step_event(4));
        store.append(step_event(5));
        store.append(eval_event(5, 0.7));
        store.append(radii_event(5));
        RadiiSnapshot acted = radii_event(6);  // SPD's: with each tensor's activity
        acted.activity = {0.25, 1.0};
        store.append(acted);
        u = follower.poll();
        QVERIFY(!u.restarted);
        QCOMPARE(step_numbers(u.steps), range(4, 5));
        QCOMPARE(u.evals.size(), std::size_t(1));
        QCOMPARE(u.radii.size(), std::size_t(2));
        QCOMPARE(u.radii[0].names.size(), std::size_t(2));
        QVERIFY(u.radii[0].activity.empty());
        QCOMPARE(u.radii[1].activity, acted.activity);
        QVERIFY(!u.summary_changed && !u.config_changed);

        RunSummary summary;
        summary.status = RunStatus::Completed;
        summary.steps = 5;
        store.write_summary(summary);
        u = follower.poll();
        QVERIFY(u.steps.empty());
        QVERIFY(u.summary_changed && u.summary);
        QCOMPARE(u.summary->status, RunStatus::Completed);
        QVERIFY(follower.poll().empty());
    }

    void followerKeepsAHalfWrittenLineForLater() {
        const std::string run = dir("half");
        RunStore store(run, false);
        store.append(step_event(1));
        RunFollower follower(run);
        RunRecord record;
        record.apply(follower.poll());
        const RunPaths paths(run);
        append_text(paths.metrics(), "{\"type\":\"step\",\"step\":2,\"lo");
        append_text(paths.radii(), "2,layer1.weight,0.5,0.1\n2,layer2.we");
        RunUpdate u = follower.poll();
        QVERIFY(u.steps.empty());
        QCOMPARE(u.radii.size(), std::size_t(1));  // the complete row only
        QCOMPARE(u.radii[0].names, std::vector<std::string>{"layer1.weight"});
        record.apply(u);
        append_text(paths.metrics(), "ss\":0.25}\n");
        append_text(paths.radii(), "ight,1.5,0.2\n");
        u = follower.poll();
        QCOMPARE(step_numbers(u.steps), std::vector<int64_t>{2});
        QCOMPARE(u.steps[0].loss, 0.25);
        QCOMPARE(u.radii.size(), std::size_t(1));
        QCOMPARE(u.radii[0].radius, std::vector<double>{1.5});
        record.apply(u);
        // The two halves of the snapshot are one snapshot of step 2 in the record.
        QCOMPARE(record.radii.size(), std::size_t(1));
        QCOMPARE(record.radii[0].names,
                 (std::vector<std::string>{"layer1.weight", "layer2.weight"}));
        QCOMPARE(step_numbers(record.steps), range(1, 2));
    }

    void followerStartsOverWhenTheFolderIsRestarted() {
        const std::string run = dir("restart");
        {
            RunStore store(run, false);
            for (int64_t s = 1; s <= 5; ++s) store.append(step_event(s, 1.0));
        }
        RunFollower follower(run);
        RunRecord record;
        record.apply(follower.poll());
        QCOMPARE(record.steps.size(), std::size_t(5));

        // A fresh run in the same folder: shorter files.
        RunStore fresh(run, false);
        fresh.append(step_event(1, 2.0));
        fresh.append(step_event(2, 2.0));
        RunUpdate u = follower.poll();
        QVERIFY(u.restarted);
        QCOMPARE(step_numbers(u.steps), range(1, 2));
        record.apply(u);
        QCOMPARE(step_numbers(record.steps), range(1, 2));
        QCOMPARE(record.steps[0].loss, 2.0);

        // Rewritten by discard_after and grown past the old offset: a new file all the same.
        fresh.discard_after(1);
        for (int64_t s = 2; s <= 10; ++s) fresh.append(step_event(s, 3.0));
        u = follower.poll();
        QVERIFY(u.restarted);
        record.apply(u);
        QCOMPARE(step_numbers(record.steps), range(1, 10));
        QCOMPARE(record.steps[0].loss, 2.0);
        QCOMPARE(record.steps[1].loss, 3.0);  // not the replaced file's step 2
        QCOMPARE(record.steps[9].loss, 3.0);

        // Missing metrics.jsonl: an error now, a fresh start once it is back.
        fs::rename(RunPaths(run).metrics(), RunPaths(run).metrics() + ".away");
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, follower.poll());
        fs::rename(RunPaths(run).metrics() + ".away", RunPaths(run).metrics());
        QVERIFY(follower.poll().restarted);
    }

    void discardAfterLeavesEachStepOnce() {
        const std::string run = dir("resume");
        {
            RunStore store(run, false);
            store.append(LogEvent{"info", "first session"});
            for (int64_t s = 1; s <= 81; ++s) {
                store.append(step_event(s, 1.0));
                store.append(radii_event(s, 1.0));
                if (s % 40 == 0) store.append(eval_event(s, 0.5));
            }
        }
        append_text(RunPaths(run).metrics(), "{\"type\":\"step\",\"st");  // killed mid-line
        RunStore store(run, true);
        store.append(LogEvent{"info", "second session"});
        store.discard_after(75);
        for (int64_t s = 76; s <= 81; ++s) {
            store.append(step_event(s, 2.0));
            store.append(radii_event(s, 2.0));
            if (s % 40 == 0) store.append(eval_event(s, 0.75));
        }

        // On disk, not only through the tolerant reader: each step once, no broken line.
        int step_lines = 0;
        for (const std::string& line : lines_of(RunPaths(run).metrics())) {
            QVERIFY2(line.front() == '{' && line.back() == '}', line.c_str());
            step_lines += line.find("\"type\":\"step\"") != std::string::npos;
        }
        QCOMPARE(step_lines, 81);
        const auto radii_lines = lines_of(RunPaths(run).radii());
        QCOMPARE(radii_lines.front(), std::string("step,name,radius,distance,activity"));
        QCOMPARE(radii_lines.size(), std::size_t(1 + 81 * 2));

        const RunRecord r = read_run(run);
        QCOMPARE(step_numbers(r.steps), range(1, 81));
        QCOMPARE(r.steps[74].loss, 1.0);
        QCOMPARE(r.steps[75].loss, 2.0);
        QCOMPARE(r.evals.size(), std::size_t(2));
        QCOMPARE(r.evals[0].step, int64_t(40));
        QCOMPARE(r.evals[1].step, int64_t(80));
        QCOMPARE(r.evals[1].top1.at("id"), 0.75);
        QCOMPARE(r.radii.size(), std::size_t(81));
        QCOMPARE(r.radii[80].radius[0], 2.0);
        QCOMPARE(r.logs.size(), std::size_t(2));  // every log line is kept
        QCOMPARE(r.logs[1].message, std::string("second session"));
    }

    void readRunKeepsTheLaterOfRepeatedSteps() {
        // A folder resumed before discard_after existed: steps 76..81 written twice.
        const std::string run = dir("old-resume");
        RunStore store(run, false);
        for (int64_t s = 1; s <= 81; ++s) {
            store.append(step_event(s, 1.0));
            store.append(radii_event(s, 1.0));
            if (s == 80) store.append(eval_event(s, 0.5));
        }
        for (int64_t s = 76; s <= 81; ++s) {
            store.append(step_event(s, 2.0));
            store.append(radii_event(s, 2.0));
            if (s == 80) store.append(eval_event(s, 0.75));
        }
        const RunRecord r = read_run(run);
        QCOMPARE(step_numbers(r.steps), range(1, 81));
        QCOMPARE(r.steps[77].loss, 2.0);  // step 78: the later occurrence
        QCOMPARE(r.steps[74].loss, 1.0);
        QCOMPARE(r.evals.size(), std::size_t(1));
        QCOMPARE(r.evals[0].top1.at("id"), 0.75);
        QCOMPARE(r.radii.size(), std::size_t(81));
        std::set<int64_t> radii_steps;
        for (const auto& snap : r.radii) {
            radii_steps.insert(snap.step);
            QCOMPARE(snap.names.size(), std::size_t(2));
        }
        QCOMPARE(radii_steps.size(), std::size_t(81));
        QCOMPARE(r.radii[77].radius[0], 2.0);
    }

    void dataWaitIsWrittenAndReadBack() {
        const std::string run = dir("wait");
        RunStore store(run, false);
        StepEvent e = step_event(1);
        e.data_wait_seconds = 0.125;
        store.append(e);
        // A line written before data_wait_s existed.
        append_text(RunPaths(run).metrics(), "{\"type\":\"step\",\"step\":2,\"loss\":1.0}\n");
        QVERIFY(lines_of(RunPaths(run).metrics()).front().find("\"data_wait_s\":0.125") !=
                std::string::npos);
        const RunRecord r = read_run(run);
        QCOMPARE(r.steps.size(), std::size_t(2));
        QCOMPARE(r.steps[0].data_wait_seconds, 0.125);
        QCOMPARE(r.steps[1].data_wait_seconds, 0.0);
    }

    void summaryRecordsDeviceAndLibTorchAndOldOnesStillRead() {
        const std::string run = dir("summary");
        {
            RunStore store(run, false);
            RunSummary s;
            s.status = RunStatus::Completed;
            s.steps = 12;
            s.final_top1 = {{"id", 0.75}};
            s.device = "cuda";
            s.libtorch = "2.11.0";
            store.write_summary(s);
        }
        std::ifstream in(RunPaths(run).summary());
        const std::string text((std::istreambuf_iterator<char>(in)), {});
        QVERIFY2(text.find("\"device\": \"cuda\"") != std::string::npos, text.c_str());
        QVERIFY2(text.find("\"libtorch\": \"2.11.0\"") != std::string::npos, text.c_str());
        RunRecord r = read_run(run);
        QVERIFY(r.summary);
        QCOMPARE(r.summary->device, std::string("cuda"));
        QCOMPARE(r.summary->libtorch, std::string("2.11.0"));
        QCOMPARE(r.summary->final_top1.at("id"), 0.75);

        // A summary.json as written before the two fields existed.
        std::ofstream(RunPaths(run).summary(), std::ios::trunc)
            << "{\n  \"message\": \"\",\n  \"run_dir\": \"" << run
            << "\",\n  \"seconds\": 3.5,\n  \"status\": \"completed\",\n  \"steps\": 12,\n"
               "  \"top1\": {\"id\": 0.5},\n  \"top5\": {\"id\": 0.9}\n}\n";
        r = read_run(run);
        QVERIFY(r.summary);
        QCOMPARE(r.summary->status, RunStatus::Completed);
        QCOMPARE(r.summary->steps, int64_t(12));
        QCOMPARE(r.summary->seconds, 3.5);
        QCOMPARE(r.summary->final_top1.at("id"), 0.5);
        QCOMPARE(r.summary->device, std::string());
        QCOMPARE(r.summary->libtorch, std::string());
    }

    void oneWriterPerRunFolder() {
        const std::string d = dir("locked");
        {
            RunLock first(d);
            try {
                RunLock second(d);  // flock conflicts across open files, even in one process
                QFAIL("a second writer got the lock");
            } catch (const std::runtime_error& e) {
                const std::string pid = "PID " + std::to_string(QCoreApplication::applicationPid());
                QVERIFY2(std::string(e.what()).find(pid) != std::string::npos, e.what());
            }
        }
        RunLock again(d);  // released with the first holder
        QVERIFY(!holds_run(d));
    }

    void freshRunRemovesOnlyRunFiles() {
        const std::string d = dir("fresh");
        {
            RunStore store(d, false);
            store.append(LogEvent{"info", "first run"});
        }
        QVERIFY(holds_run(d));
        std::ofstream(d + "/notes.txt") << "mine";
        std::ofstream(d + "/checkpoints/other.pt") << "mine too";
        std::ofstream(d + "/checkpoints/last.pt") << "a run's";
        RunStore again(d, false);
        QVERIFY(fs::exists(d + "/notes.txt"));
        QVERIFY(fs::exists(d + "/checkpoints/other.pt"));
        QVERIFY(!fs::exists(d + "/checkpoints/last.pt"));
    }

    void notARunFolderIsAClearError() {
        fs::create_directories(dir("empty"));
        try {
            read_run(dir("empty"));
            QFAIL("expected an error");
        } catch (const std::runtime_error& e) {
            QVERIFY2(std::string(e.what()).find("metrics.jsonl") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestRunStore)
#include "test_run_store.moc"
