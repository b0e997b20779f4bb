// SPDX-License-Identifier: GPL-3.0-or-later
// The schema-generated setup panel, the checkpoint load report, the data preview and a run on a
// folder data source picked in the window, offscreen: every config key has an editor, edits
// reach config(), sections follow the data source, and a tiny ImageFolder run trains from Start.
#include "config/config_schema.h"
#include "facade/checkpoint_report.h"
#include "job_checks.h"
#include "ui/dataset_preview.h"
#include "ui/main_window.h"
#include "ui/ood_set_editor.h"
#include "ui/run_naming.h"
#include "ui/setup_panel.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest/QtTest>

using tpgm::FieldType;
using tpgm::ui::SetupPanel;

namespace {
template <typename T>
T* editor(const SetupPanel& panel, const char* key) {
    auto* w = qobject_cast<T*>(panel.field(key));
    if (!w) qWarning("no %s editor for %s", T::staticMetaObject.className(), key);
    return w;
}

void choose(QComboBox* combo, const QString& value) {
    const int i = combo->findData(value);
    QVERIFY2(i >= 0, qPrintable(value));
    combo->setCurrentIndex(i);
}
}  // namespace

class TestSetupPanel : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    QString data_;        // ImageFolder tree: train/, test/, shifted/ with 3 colour classes
    QString checkpoint_;  // a tiny untrained RGB demo_resnet

    // Three classes told apart by colour (red, green, blue), noisy, 20x20 PNGs.
    void writeFolders() {
        const QStringList classes = {"blue", "green", "red"};
        QRandomGenerator rng(7);
        for (const char* split : {"train", "test", "shifted"})
            for (int c = 0; c < classes.size(); ++c) {
                const QString folder = QString("%1/%2/%3").arg(data_, split, classes[c]);
                QVERIFY(QDir().mkpath(folder));
                for (int i = 0; i < 16; ++i) {
                    QImage img(20, 20, QImage::Format_RGB888);
                    for (int y = 0; y < img.height(); ++y)
                        for (int x = 0; x < img.width(); ++x) {
                            int rgb[3] = {40, 40, 40};
                            rgb[2 - c] = 200;  // blue, green, red
                            for (int& v : rgb) v = std::clamp(v + rng.bounded(-40, 41), 0, 255);
                            if (std::string(split) == "shifted")
                                for (int& v : rgb) v = 255 - v;
                            img.setPixel(x, y, qRgb(rgb[0], rgb[1], rgb[2]));
                        }
                    QVERIFY(img.save(QString("%1/%2.png").arg(folder).arg(i)));
                }
            }
    }

    tpgm::RunConfig folderConfig(const QString& run) const {
        tpgm::RunConfig c;
        c.data = "folders";
        c.pretrained = checkpoint_.toStdString();
        c.folders.train = (data_ + "/train").toStdString();
        c.folders.test = (data_ + "/test").toStdString();
        tpgm::OodSetConfig shifted;
        shifted.path = (data_ + "/shifted").toStdString();
        c.ood = {shifted};
        c.images.size = 16;
        c.images.loader_threads = 2;
        c.epochs = 2;
        c.batch_size = 8;
        c.threads = 2;
        c.run_dir = tmp_.filePath("runs/" + run).toStdString();
        return c;
    }

  private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        if (qEnvironmentVariableIsSet("TPGM_KEEP_TEST_DIR")) {  // to look at the data later
            tmp_.setAutoRemove(false);
            qInfo("test data kept in %s", qPrintable(tmp_.path()));
        }
        QStandardPaths::setTestModeEnabled(true);
        data_ = tmp_.filePath("folders");
        writeFolders();
        checkpoint_ = tmp_.filePath("rgb_backbone.pt");
        const std::string error = tpgm::facade::write_untrained_checkpoint(
            checkpoint_.toStdString(), "demo_resnet", 3, 3, 4, 0);
        QVERIFY2(error.empty(), error.c_str());
    }

    void everySchemaKeyHasAnEditor() {
        SetupPanel panel;
        for (const auto& f : tpgm::config_fields()) {
            const QString key = QString::fromStdString(f.key);
            QWidget* w = panel.field(key);
            QVERIFY2(w, qPrintable("no editor for " + key));
            QVERIFY2(panel.errorLabel(key), qPrintable(key));
            QVERIFY2(w->toolTip().contains(QString::fromStdString(f.doc)), qPrintable(key));
            switch (f.type) {
                case FieldType::Bool:
                    QVERIFY2(qobject_cast<QCheckBox*>(w), qPrintable(key));
                    break;
                case FieldType::Choice: {
                    auto* combo = qobject_cast<QComboBox*>(w);
                    QVERIFY2(combo, qPrintable(key));
                    for (const auto& choice : f.choices)
                        QVERIFY2(combo->findData(QString::fromStdString(choice)) >= 0,
                                 qPrintable(key + "=" + QString::fromStdString(choice)));
                    QCOMPARE(combo->focusPolicy(), Qt::StrongFocus);
                    break;
                }
                case FieldType::Int:
                    if (auto* spin = qobject_cast<QSpinBox*>(w)) {
                        QCOMPARE(spin->minimum(), static_cast<int>(f.min));
                        QCOMPARE(spin->focusPolicy(), Qt::StrongFocus);
                    } else {
                        QVERIFY2(qobject_cast<QLineEdit*>(w), qPrintable(key));  // unbounded
                    }
                    break;
                case FieldType::File:
                case FieldType::Folder:
                    QVERIFY2(qobject_cast<QLineEdit*>(w), qPrintable(key));
                    QVERIFY2(panel.findChild<QToolButton*>("browse:" + key), qPrintable(key));
                    break;
                case FieldType::SetList:
                    QVERIFY2(qobject_cast<tpgm::ui::OodSetEditor*>(w), qPrintable(key));
                    break;
                default:
                    QVERIFY2(qobject_cast<QLineEdit*>(w), qPrintable(key));
            }
        }
        // What the fields show is what config() gives back.
        const tpgm::RunConfig c = folderConfig("roundtrip");
        panel.setConfig(c);
        QCOMPARE(tpgm::to_yaml(panel.config()), tpgm::to_yaml(c));
    }

    void editsReachTheConfig() {
        SetupPanel panel;
        panel.setConfig(folderConfig("edits"));
        QVERIFY2(panel.isValid(), panel.issues().empty() ? "" : panel.issues()[0].message.c_str());
        choose(editor<QComboBox>(panel, "optim.name"), "adamw");
        editor<QSpinBox>(panel, "tpgm.post_hoc_iters")->setValue(33);
        editor<QLineEdit>(panel, "seed")->setText("12345678901");
        editor<QLineEdit>(panel, "optim.label_smoothing")->setText("0.1");
        editor<QLineEdit>(panel, "folders.proj")->setText(data_ + "/test");
        editor<QLineEdit>(panel, "images.mean")->setText("0.5, 0.5, 0.5");
        editor<QLineEdit>(panel, "demo.severities")->setText("1, 2");
        editor<QLineEdit>(panel, "tpgm.exclude")->setText("fc\\..*, layer4\\..*");
        editor<QCheckBox>(panel, "freeze_bn")->setChecked(true);
        auto* ood = editor<tpgm::ui::OodSetEditor>(panel, "ood");
        QVERIFY(ood);
        QCOMPARE(ood->count(), 1);
        tpgm::OodSetConfig second;
        second.path = (data_ + "/test").toStdString();
        second.name = "again";
        ood->addSet(second);
        auto* kind = qobject_cast<QComboBox*>(ood->table()->cellWidget(1, ood->column("kind")));
        QVERIFY(kind);
        choose(kind, "domain");
        ood->table()->item(1, ood->column("classes"))->setText("imagenet-r");
        tpgm::RunConfig c = panel.config();
        QCOMPARE(c.optim.name, std::string("adamw"));
        QCOMPARE(c.tpgm.post_hoc_iters, 33);
        QCOMPARE(c.seed, uint64_t{12345678901});
        QCOMPARE(c.optim.label_smoothing, 0.1);
        QCOMPARE(c.folders.proj, (data_ + "/test").toStdString());
        QCOMPARE(c.images.mean, (std::vector<double>{0.5, 0.5, 0.5}));
        QCOMPARE(c.demo.severities, (std::vector<int>{1, 2}));
        QCOMPARE(c.tpgm.exclude, (std::vector<std::string>{"fc\\..*", "layer4\\..*"}));
        QVERIFY(c.freeze_bn);
        QCOMPARE(c.ood.size(), std::size_t{2});
        QCOMPARE(c.ood[1].name, std::string("again"));
        QCOMPARE(c.ood[1].kind, std::string("domain"));
        QCOMPARE(c.ood[1].classes, std::string("imagenet-r"));
        QVERIFY(panel.isValid());
        if (const QString shots = qEnvironmentVariable("TPGM_TEST_SCREENSHOTS"); !shots.isEmpty()) {
            panel.resize(380, 1900);
            panel.show();
            QTest::qWait(200);
            QVERIFY(panel.grab().save(shots + "/setup-panel.png"));
        }

        // An OOD entry's problem appears under the OOD editor, naming the set.
        choose(kind, "corruption");
        QVERIFY(!panel.isValid());
        QLabel* error = panel.errorLabel("ood[1].corruption");
        QVERIFY(error && error == panel.errorLabel("ood"));
        QVERIFY2(error->text().contains("set 2, corruption"), qPrintable(error->text()));
        QVERIFY(!error->isHidden());
        ood->removeSet(1);
        QVERIFY(panel.isValid());
        QCOMPARE(panel.config().ood.size(), std::size_t{1});

        // Parse problems of generated editors are inline too.
        editor<QLineEdit>(panel, "images.std")->setText("0.2, x");
        QVERIFY(panel.errorLabel("images.std")->text().contains("not a number"));
        editor<QLineEdit>(panel, "images.std")->setText("0.2");
        QVERIFY2(panel.errorLabel("images.std")->text().contains("one value"),
                 qPrintable(panel.errorLabel("images.std")->text()));
    }

    void sectionsFollowDataSourceAndMethod() {
        SetupPanel panel;
        auto* data = editor<QComboBox>(panel, "data");
        choose(data, "demo");
        QVERIFY(panel.isFieldShown("demo.id_train"));
        QVERIFY(!panel.isFieldShown("folders.train"));
        QVERIFY(!panel.isFieldShown("ood"));
        QVERIFY(!panel.isFieldShown("images.size"));
        choose(data, "folders");
        QVERIFY(panel.isFieldShown("folders.train"));
        QVERIFY(panel.isFieldShown("images.size"));
        QVERIFY(panel.isFieldShown("ood"));
        QVERIFY(!panel.isFieldShown("demo.id_train"));
        QVERIFY(!panel.isFieldShown("lists.root"));
        // Required folders are flagged under their fields.
        QVERIFY(panel.errorLabel("folders.train")->text().contains("training folder"));
        choose(data, "lists");
        QVERIFY(panel.isFieldShown("lists.root"));
        QVERIFY(!panel.isFieldShown("folders.train"));
        QVERIFY(panel.isFieldShown("tpgm.norm"));
        choose(editor<QComboBox>(panel, "method"), "ft");
        QVERIFY(!panel.isFieldShown("tpgm.norm"));
        QVERIFY(panel.isFieldShown("optim.momentum"));
    }

    void wheelLeavesUnfocusedEditorsAlone() {
        SetupPanel panel;
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        auto* device = editor<QComboBox>(panel, "device");
        auto* epochs = editor<QSpinBox>(panel, "epochs");
        const int index = device->currentIndex(), value = epochs->value();
        auto wheel = [](QWidget* w) {
            QWheelEvent event(QPointF(5, 5), w->mapToGlobal(QPointF(5, 5)), QPoint(),
                              QPoint(0, -120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase,
                              false);
            QCoreApplication::sendEvent(w, &event);
        };
        wheel(device);
        wheel(epochs);
        QCOMPARE(device->currentIndex(), index);
        QCOMPARE(epochs->value(), value);
        // A focused editor takes the wheel as usual.
        panel.activateWindow();
        QApplication::setActiveWindow(&panel);
        epochs->setFocus();
        QTRY_VERIFY(epochs->hasFocus());
        wheel(epochs);
        QVERIFY(epochs->value() != value);
    }

    // The run name follows the method: "demo-tpgm" becomes "demo-lp", not a tpgm-named probe.
    void runNameFollowsTheMethod() {
        SetupPanel panel;
        tpgm::RunConfig c;
        c.run_dir = "runs/demo-tpgm";
        panel.setConfig(c);
        auto* name = panel.findChild<QLineEdit*>("runName");
        QVERIFY(name);
        QCOMPARE(name->text(), QString("demo-tpgm"));
        choose(editor<QComboBox>(panel, "method"), "lp");
        QCOMPARE(name->text(), QString("demo-lp"));
        QCOMPARE(panel.config().run_dir, std::string("runs/demo-lp"));
        choose(editor<QComboBox>(panel, "method"), "ft");
        QCOMPARE(name->text(), QString("demo-ft"));
        name->setText("shift-study");  // a name without the method stays as typed
        choose(editor<QComboBox>(panel, "method"), "tpgm");
        QCOMPARE(name->text(), QString("shift-study"));
        QCOMPARE(tpgm::ui::renameForMethod("ft-shift-ft", "ft", "lp"), QString("lp-shift-lp"));
    }

    void checkpointReportShownBeforeStart() {
        SetupPanel panel;
        QSignalSpy ready(&panel, &SetupPanel::checkpointReportReady);
        panel.setConfig(folderConfig("report"));
        QTRY_VERIFY_WITH_TIMEOUT(!panel.checkpointReportPending(), 20000);
        QString text = panel.checkpointReportLabel()->text();
        QVERIFY2(text.contains("workbench") && text.contains("tensors loaded") &&
                     text.contains("new head") && text.contains("3 classes"),
                 qPrintable(text));
        QVERIFY(panel.checkpointReportLabel()->toolTip().contains("format:"));
        // Not a checkpoint: a clear message, no exception.
        QFile junk(tmp_.filePath("junk.pt"));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("not a checkpoint");
        junk.close();
        editor<QLineEdit>(panel, "pretrained")->setText(junk.fileName());
        QVERIFY(panel.checkpointReportPending());
        QTRY_VERIFY_WITH_TIMEOUT(!panel.checkpointReportPending(), 20000);
        text = panel.checkpointReportLabel()->text();
        QVERIFY2(text.contains("is not a torch.save zip"), qPrintable(text));
        // A checkpoint that will not load keeps Start disabled, named as the problem.
        QVERIFY(!panel.isValid());
        QCOMPARE(panel.issues().front().key, std::string("pretrained"));
        // A path that does not exist is reported before Start, not after.
        editor<QLineEdit>(panel, "pretrained")->setText(tmp_.filePath("missing.pt"));
        QTRY_VERIFY_WITH_TIMEOUT(!panel.checkpointReportPending(), 20000);
        QVERIFY(!panel.isValid());
        QVERIFY(!panel.checkpointReportLabel()->text().isEmpty());
        // Cancel, as for every background task: the read under way ends as cancelled, is not
        // shown, and the panel waits for nothing; the next edit reads again.
        QSignalSpy ends(panel.checkpointReportJob(), &tpgm::ui::BackgroundJob::finished);
        connect(panel.checkpointReportJob(), &tpgm::ui::BackgroundJob::started, &panel,
                [&panel] { panel.cancelCheckpointReport(); });
        editor<QLineEdit>(panel, "pretrained")->setText(checkpoint_);
        QVERIFY(panel.checkpointReportPending());
        VERIFY_CANCELLED(ends, *panel.checkpointReportJob(), 20000);
        QVERIFY(!panel.checkpointReportPending());
        QVERIFY2(panel.checkpointReportLabel()->text().contains("cancelled"),
                 qPrintable(panel.checkpointReportLabel()->text()));
        disconnect(panel.checkpointReportJob(), &tpgm::ui::BackgroundJob::started, &panel, nullptr);
        editor<QLineEdit>(panel, "pretrained")->setText(checkpoint_ + " ");
        editor<QLineEdit>(panel, "pretrained")->setText(checkpoint_);
        QTRY_VERIFY_WITH_TIMEOUT(!panel.checkpointReportPending(), 20000);
        QVERIFY2(panel.checkpointReportLabel()->text().contains("tensors loaded"),
                 qPrintable(panel.checkpointReportLabel()->text()));
        // The facade answers for a torch-free caller with the same report.
        const auto r = tpgm::facade::checkpoint_report(folderConfig("report"));
        QVERIFY2(r.ok, r.error.c_str());
        QCOMPARE(r.format, std::string("workbench"));
        QCOMPARE(r.classes, int64_t{3});
        QVERIFY(!r.loaded.empty());
    }

    void dataPreviewShowsEverySet() {
        tpgm::ui::DatasetPreview preview;
        preview.show();
        QSignalSpy loaded(&preview, &tpgm::ui::DatasetPreview::loaded);
        preview.load(folderConfig("preview"));
        QVERIFY(preview.isLoading());
        QVERIFY(loaded.wait(30000));
        QVERIFY2(loaded.takeFirst().at(0).toBool(), qPrintable(preview.statusText()));
        QCOMPARE(preview.setCount(), 4);  // train, projection split, test, one OOD set
        for (int s = 0; s < preview.setCount(); ++s) {
            QVERIFY2(preview.imageCount(s) > 0, qPrintable(preview.setTitle(s)));
            const QStringList labels = preview.imageLabels(s);
            // Classes in turn: the first three samples are one of each class.
            QVERIFY2(labels.mid(0, 3).contains("red") && labels.mid(0, 3).contains("blue"),
                     qPrintable(preview.setTitle(s) + ": " + labels.join(",")));
        }
        QVERIFY(preview.setTitle(0).startsWith("train"));
        QVERIFY(preview.setTitle(3).contains("shifted"));
        QCOMPARE(preview.imageCount(2), 16);  // 48 test images, 16 shown

        // A missing folder is a message, not a crash.
        auto bad = folderConfig("preview");
        bad.folders.test = (data_ + "/missing").toStdString();
        preview.load(bad);
        QVERIFY(loaded.wait(30000));
        QCOMPARE(loaded.takeFirst().at(0).toBool(), false);
        QVERIFY2(preview.statusText().contains("missing"), qPrintable(preview.statusText()));
        QCOMPARE(preview.setCount(), 0);

        // Cancel, as for every background task: the load's job ends as cancelled, nothing is
        // shown, and the preview is idle.
        QSignalSpy ends(preview.job(), &tpgm::ui::BackgroundJob::finished);
        preview.load(folderConfig("preview"));
        preview.findChild<QPushButton*>("previewCancel")->click();
        VERIFY_CANCELLED(ends, *preview.job(), 30000);
        QVERIFY(!preview.isLoading());
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(loaded.takeFirst().at(0).toBool(), false);
        QCOMPARE(preview.setCount(), 0);
        QVERIFY2(preview.statusText().contains("cancelled"), qPrintable(preview.statusText()));
        // A load while one runs replaces it: only the newer one shows.
        ends.clear();
        preview.load(bad);
        preview.load(folderConfig("preview"));
        QVERIFY(loaded.wait(30000));
        QCOMPARE(loaded.takeFirst().at(0).toBool(), true);
        QCOMPARE(preview.setCount(), 4);
        QCOMPARE(ends.count(), 2);
        QCOMPARE(ends.front().at(0).value<tpgm::ui::BackgroundJob::Outcome>(),
                 tpgm::ui::BackgroundJob::Outcome::Cancelled);
    }

    void windowTrainsOnAFolderDataSource() {
        tpgm::ui::MainWindow w;
        tpgm::RunConfig start;  // the demo defaults, then the user picks folders in the panel
        start.run_dir = tmp_.filePath("runs/window-folders").toStdString();
        start.threads = 2;
        w.setConfig(start);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        SetupPanel& panel = *w.setupPanel();
        choose(editor<QComboBox>(panel, "data"), "folders");
        QVERIFY(!panel.isValid());  // folders and checkpoint still missing
        editor<QLineEdit>(panel, "folders.train")->setText(data_ + "/train");
        editor<QLineEdit>(panel, "folders.test")->setText(data_ + "/test");
        editor<QLineEdit>(panel, "pretrained")->setText(checkpoint_);
        editor<QSpinBox>(panel, "images.size")->setValue(16);
        editor<QSpinBox>(panel, "epochs")->setValue(3);
        editor<QSpinBox>(panel, "batch_size")->setValue(8);
        editor<QLineEdit>(panel, "optim.lr")->setText("0.05");
        auto* ood = editor<tpgm::ui::OodSetEditor>(panel, "ood");
        tpgm::OodSetConfig shifted;
        shifted.path = (data_ + "/shifted").toStdString();
        ood->addSet(shifted);
        QVERIFY2(panel.isValid(), panel.issues().empty() ? "" : panel.issues()[0].message.c_str());
        QTRY_VERIFY_WITH_TIMEOUT(!panel.checkpointReportPending(), 20000);
        QVERIFY2(panel.checkpointReportLabel()->text().contains("3 classes"),
                 qPrintable(panel.checkpointReportLabel()->text()));

        // "Preview…" loads the same sets into the Data preview tab.
        QSignalSpy previewed(w.dataPreview(), &tpgm::ui::DatasetPreview::loaded);
        auto* previewButton = panel.findChild<QPushButton*>("previewData");
        QVERIFY(previewButton);
        previewButton->click();
        QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(w.dataPreview()));
        QVERIFY(previewed.wait(30000));
        QCOMPARE(w.dataPreview()->setCount(), 4);
        const QString shots = qEnvironmentVariable("TPGM_TEST_SCREENSHOTS");  // docs, reviews
        if (!shots.isEmpty()) {
            w.resize(1500, 950);
            QTest::qWait(200);
            QVERIFY(w.grab().save(shots + "/data-preview.png"));
        }

        QSignalSpy finished(&w, &tpgm::ui::MainWindow::runFinished);
        QVERIFY(w.startRun());
        QVERIFY(w.isTraining());
        QVERIFY(finished.wait(120000));
        QCOMPARE(finished.takeFirst().at(0).toString(), QString("completed"));
        QFile summary(tmp_.filePath("runs/window-folders/summary.json"));
        QVERIFY(summary.open(QIODevice::ReadOnly));
        const QByteArray json = summary.readAll();
        QVERIFY2(json.contains("\"completed\""), json.constData());
        QVERIFY2(json.contains("shifted"), json.constData());
        QFile config(tmp_.filePath("runs/window-folders/config.yaml"));
        QVERIFY(config.open(QIODevice::ReadOnly));
        const QByteArray yaml = config.readAll();
        QVERIFY2(yaml.contains("data: folders") && yaml.contains("size: 16"), yaml.constData());
    }
};

QTEST_MAIN(TestSetupPanel)
#include "test_setup_panel.moc"
