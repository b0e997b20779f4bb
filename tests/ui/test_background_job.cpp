// SPDX-License-Identifier: GPL-3.0-or-later
// BackgroundJob, the window's one mechanism for background work: start, progress, result,
// error, one job at a time per owner, cancel through its RunControl, and an owner destroyed while
// its job runs (cancelled and waited for, no thread left behind).
#include "job_checks.h"
#include "ui/jobs/background_job.h"

#include <QCoreApplication>
#include <QSignalSpy>
#include <QThread>
#include <QtTest/QtTest>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

using tpgm::ui::BackgroundJob;
using tpgm::ui::JobContext;
using tpgm::ui::JobResult;
using Outcome = BackgroundJob::Outcome;

namespace {

void sleepMs(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// Work that runs until it is cancelled, polling the stop request as engine loops do.
void untilCancelled(JobContext& job) {
    for (;;) {
        job.checkStop();
        sleepMs(2);
    }
}

}  // namespace

class TestBackgroundJob : public QObject {
    Q_OBJECT

  private slots:
    // A value computed on the worker thread reaches `done` on the UI thread, progress on the way.
    void resultAndProgressReachTheUiThread() {
        BackgroundJob job("test-job");
        QSignalSpy progressed(&job, &BackgroundJob::progressed);
        QSignalSpy ends(&job, &BackgroundJob::finished);
        QSignalSpy started(&job, &BackgroundJob::started);
        std::optional<JobResult<int>> got;
        const Qt::HANDLE ui = QThread::currentThreadId();
        std::atomic<Qt::HANDLE> workThread{nullptr};
        Qt::HANDLE doneThread = nullptr;
        QVERIFY(job.run(
            [&workThread](JobContext& c) {
                workThread = QThread::currentThreadId();
                for (int i = 1; i <= 3; ++i) {
                    c.report("counting", i, 3);
                    sleepMs(150);  // more than a poll, so each report can be seen
                }
                return 42;
            },
            [&](JobResult<int> r) {
                got = std::move(r);
                doneThread = QThread::currentThreadId();
            }));
        QCOMPARE(started.count(), 1);
        QVERIFY(job.isRunning());
        QVERIFY(job.control() != nullptr);
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 10000);
        QVERIFY(workThread.load() != ui);
        QCOMPARE(doneThread, ui);
        QVERIFY(got->ok());
        QCOMPARE(*got->value, 42);
        QVERIFY(!job.isRunning());
        QVERIFY(job.control() == nullptr);
        QCOMPARE(ends.count(), 1);
        QCOMPARE(ends.front().at(0).value<Outcome>(), Outcome::Succeeded);
        QVERIFY(ends.front().at(1).toString().isEmpty());
        // Polled reports, newest last: the final one arrives before finished().
        QVERIFY(progressed.count() >= 2);
        QCOMPARE(progressed.back().at(0).toString(), QString("counting"));
        QCOMPARE(progressed.back().at(1).toLongLong(), qlonglong(3));
        QCOMPARE(progressed.back().at(2).toLongLong(), qlonglong(3));
        QCOMPARE(job.progress().done, qint64(3));
    }

    // An exception is the error text of a failed job; the value stays empty.
    void anErrorEndsTheJobAsFailed() {
        BackgroundJob job("test-job");
        QSignalSpy ends(&job, &BackgroundJob::finished);
        std::optional<JobResult<int>> got;
        QVERIFY(job.run([](JobContext&) -> int { throw std::runtime_error("no such checkpoint"); },
                        [&](JobResult<int> r) { got = std::move(r); }));
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 10000);
        QCOMPARE(got->outcome, Outcome::Failed);
        QCOMPARE(got->error, QString("no such checkpoint"));
        QVERIFY(!got->value);
        QCOMPARE(ends.front().at(0).value<Outcome>(), Outcome::Failed);
        QCOMPARE(BackgroundJob::errorText(Outcome::Failed, got->error),
                 QString("no such checkpoint"));
        QCOMPARE(BackgroundJob::errorText(Outcome::Cancelled, {}), BackgroundJob::kCancelled);
        QVERIFY(BackgroundJob::errorText(Outcome::Succeeded, {}).isEmpty());
    }

    // One job at a time per owner: a second start is refused and changes nothing.
    void oneAtATime() {
        BackgroundJob job("test-job");
        QSignalSpy ends(&job, &BackgroundJob::finished);
        QVERIFY(job.start(untilCancelled));
        bool secondRan = false;
        QVERIFY(!job.start([&](JobContext&) { secondRan = true; }));
        QVERIFY(job.isRunning());
        job.cancel();
        VERIFY_CANCELLED(ends, job, 10000);
        QVERIFY(!secondRan);
        // Once it has ended, the owner starts the next one.
        QVERIFY(job.start([](JobContext&) {}));
        QVERIFY(job.wait(10000));
        QCOMPARE(ends.count(), 2);
        QCOMPARE(ends.back().at(0).value<Outcome>(), Outcome::Succeeded);
    }

    // Cancel is RunControl::request_stop: the work ends at its next poll, as cancelled, and so
    // does a stop the work notices some other way (a loader's own error, a stopped run).
    void cancelEndsTheWorkAtItsNextPoll() {
        BackgroundJob job("test-job");
        QSignalSpy ends(&job, &BackgroundJob::finished);
        std::atomic<bool> polling{false};
        QVERIFY(job.start([&](JobContext& c) {
            polling = true;
            untilCancelled(c);
        }));
        QTRY_VERIFY_WITH_TIMEOUT(polling.load(), 10000);
        QVERIFY(!job.isCancelling());
        job.cancel();
        QVERIFY(job.isCancelling());
        VERIFY_CANCELLED(ends, job, 10000);

        // A stop that surfaces as another exception is still a cancel.
        ends.clear();
        QVERIFY(job.start([](JobContext& c) {
            while (!c.control().stop_requested()) sleepMs(2);
            throw std::runtime_error("the loader gave up");
        }));
        job.cancel();
        VERIFY_CANCELLED(ends, job, 10000);

        // A progress callback ends a cancelled load at its next report.
        ends.clear();
        QVERIFY(job.start([](JobContext& c) {
            const tpgm::ProgressFn progress = c.progressFn();
            for (int i = 0;; ++i) {
                progress("loading", i, 1000000);
                sleepMs(2);
            }
        }));
        job.cancel();
        VERIFY_CANCELLED(ends, job, 10000);

        // Work that completes although cancel came late keeps its result: it is whole.
        ends.clear();
        std::optional<JobResult<int>> got;
        QVERIFY(job.run(
            [](JobContext& c) {
                while (!c.stopRequested()) sleepMs(2);
                return 7;
            },
            [&](JobResult<int> r) { got = std::move(r); }));
        job.cancel();
        QVERIFY(job.wait(10000));
        QVERIFY(got && got->ok() && *got->value == 7);
    }

    // A paused job (training) wakes up to see a cancel.
    void cancelWakesAPausedJob() {
        BackgroundJob job("test-job");
        QSignalSpy ends(&job, &BackgroundJob::finished);
        QVERIFY(job.start([](JobContext& c) {
            for (;;) {
                c.control().wait_while_paused();
                c.checkStop();
                sleepMs(2);
            }
        }));
        job.control()->pause();
        sleepMs(20);
        job.cancel();
        VERIFY_CANCELLED(ends, job, 10000);
    }

    // The engine's sink and posted calls: progress from on_progress, and a post runs on the UI
    // thread before the job's end.
    void sinkAndPostReachTheUiThread() {
        BackgroundJob job("test-job");
        QStringList order;
        QVERIFY(job.start(
            [&order](JobContext& c) {
                c.sink().on_progress("evaluating: ID test", 1, 4);
                c.sink().on_step({});  // other events are dropped
                c.post([&order] {
                    QCOMPARE(QThread::currentThread(), QCoreApplication::instance()->thread());
                    order << "posted";
                });
            },
            [&order](Outcome, const QString&) { order << "done"; }));
        QTRY_COMPARE_WITH_TIMEOUT(order, (QStringList{"posted", "done"}), 10000);
        QCOMPARE(job.progress().phase, QString("evaluating: ID test"));
        QCOMPARE(job.progress().total, qint64(4));
    }

    // wait() delivers the end at once: the owner is idle when it returns.
    void waitDeliversTheEnd() {
        BackgroundJob job("test-job");
        QSignalSpy ends(&job, &BackgroundJob::finished);
        QStringList order;
        QVERIFY(job.start(
            [&order](JobContext& c) {
                c.post([&order] { order << "posted"; });
                sleepMs(50);
            },
            [&order](Outcome, const QString&) { order << "done"; }));
        QVERIFY(job.wait(10000));
        QCOMPARE(order, (QStringList{"posted", "done"}));  // what it posted still comes first
        QVERIFY(!job.isRunning());
        QCOMPARE(ends.count(), 1);
        QCoreApplication::processEvents();  // the thread's own late notice changes nothing
        QCOMPARE(ends.count(), 1);
        // `done` may start the next job, which then runs.
        QVERIFY(job.start([](JobContext&) {},
                          [&](Outcome, const QString&) {
                              QVERIFY(job.start([](JobContext&) { sleepMs(20); }));
                          }));
        QVERIFY(job.wait(10000));
        QVERIFY(job.isRunning());
        QVERIFY(job.wait(10000));
        QVERIFY(!job.isRunning());
    }

    // Destroying the owner cancels the job and waits for its thread; nobody hears of the end.
    void destroyedWhileRunning() {
        auto owner = std::make_unique<QObject>();
        auto* job = new BackgroundJob("test-job", owner.get());
        auto ended = std::make_shared<std::atomic<bool>>(false);
        bool heard = false;
        QObject::connect(job, &BackgroundJob::finished, qApp, [&heard] { heard = true; });
        QVERIFY(job->start(
            [ended](JobContext& c) {
                struct Mark {
                    std::shared_ptr<std::atomic<bool>> ended;
                    ~Mark() { *ended = true; }
                } mark{ended};
                untilCancelled(c);
            },
            [&heard](Outcome, const QString&) { heard = true; }));
        owner.reset();           // deletes the job while its work runs
        QVERIFY(ended->load());  // the work had ended when the destructor returned
        QCoreApplication::processEvents();
        QVERIFY(!heard);
    }
};

QTEST_GUILESS_MAIN(TestBackgroundJob)
#include "test_background_job.moc"
