// SPDX-License-Identifier: GPL-3.0-or-later
// "Fork from here...": the dialog lists the setup panel's changes a fork may make, keeps the
// state-shaping ones from the parent, and prepares a resumable fork folder at the chosen step.
#include "config/config_schema.h"
#include "engine/trainer.h"
#include "runs/run_paths.h"
#include "tiny_demo.h"
#include "ui/fork_dialog.h"

#include <QComboBox>
#include <QLabel>
#include <QListWidget>
#include <QTemporaryDir>
#include <QtTest/QtTest>

using namespace tpgm;
using tpgm::ui::ForkDialog;

class TestForkDialog : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

  private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        QVERIFY2(fashion_mnist_available(),
                 "Debian's dataset-fashion-mnist is not installed (packaging/install-deps.sh "
                 "installs it)");
    }

    void forkTakesTheChosenStepAndTheTickedChanges() {
        RunConfig parent = tiny_demo_config(tmp_.filePath("cache").toStdString(),
                                            tmp_.filePath("parent").toStdString());
        parent.method = "ft";
        parent.checkpoint_every_steps = 3;
        EventSink sink;
        RunControl control;
        QCOMPARE(run_training(parent, sink, control).status, tpgm::RunStatus::Completed);

        RunConfig wanted = parent;  // the setup panel after the user's edits
        wanted.optim.lr = 0.5;
        wanted.model = "resnet18";  // the checkpoint's weights depend on it: kept from the parent
        ForkDialog dialog(tmp_.filePath("parent"), wanted);
        QCOMPARE(dialog.changeList()->count(), 1);
        QVERIFY(dialog.changeList()->item(0)->text().startsWith("optim.lr: 0.05 -> 0.5"));
        QVERIFY(dialog.findChild<QLabel*>() != nullptr);
        bool keptNamed = false;
        for (auto* label : dialog.findChildren<QLabel*>())
            keptNamed |=
                label->text().contains("Kept from the parent") && label->text().contains("model");
        QVERIFY(keptNamed);
        const int step6 = dialog.stepBox()->findText("step 6");
        QVERIFY(step6 > 0);
        dialog.stepBox()->setCurrentIndex(step6);
        dialog.accept();
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        const RunConfig& fork = dialog.prepared();
        QVERIFY(fork.resume);
        QCOMPARE(fork.model, std::string("demo_resnet"));
        QCOMPARE(fork.optim.lr, 0.5);
        QVERIFY(QString::fromStdString(fork.run_dir).endsWith("parent-fork-6"));
        QVERIFY(QFile::exists(QString::fromStdString(RunPaths(fork.run_dir).fork())));

        // A second fork into the same folder is refused inside the dialog, which stays open.
        ForkDialog again(tmp_.filePath("parent"), wanted);
        again.stepBox()->setCurrentIndex(again.stepBox()->findText("step 6"));
        again.accept();
        QCOMPARE(again.result(), int(QDialog::Rejected));
        QVERIFY(again.findChild<QLabel*>("forkError")->text().contains("already holds a run"));
    }
};

QTEST_MAIN(TestForkDialog)
#include "test_fork_dialog.moc"
