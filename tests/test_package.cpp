// SPDX-License-Identifier: GPL-3.0-or-later
// What the Debian package ships: `cmake --install` into a staging root (as CPack does) puts the
// programs, the desktop entry, icon, class lists, configs and copyright where Debian expects
// them; the desktop entry validates; the installed CLI runs.
#include <QtTest/QtTest>

namespace {

struct Result {
    int code;
    QString out;
};

Result run(const QString& program, const QStringList& args, const QProcessEnvironment& env = {}) {
    QProcess p;
    if (!env.isEmpty()) p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForFinished(120000)) return {-1, "timed out"};
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAll()};
}

}  // namespace

class TestPackage : public QObject {
    Q_OBJECT
    QTemporaryDir root_;

  private Q_SLOTS:
    void initTestCase() {
        auto env = QProcessEnvironment::systemEnvironment();
        env.insert("DESTDIR", root_.path());
        const Result r =
            run(TPGM_CMAKE_COMMAND, {"--install", TPGM_BINARY_DIR, "--prefix", "/usr"}, env);
        QVERIFY2(r.code == 0, qPrintable(r.out));
    }

    void filesLandWhereDebianExpectsThem() {
        QStringList expected = {"usr/bin/tpgm-cli",
                                "usr/share/bash-completion/completions/tpgm-cli",
                                "usr/share/tpgm-workbench/configs/demo.yaml",
                                "usr/share/tpgm-workbench/datasets/imagenet_a_wnids.txt",
                                "usr/share/tpgm-workbench/datasets/imagenet_r_wnids.txt",
                                "usr/share/tpgm-workbench/datasets/imagenet_wnids.txt",
                                "usr/share/doc/tpgm-workbench/copyright"};
#ifdef TPGM_WITH_GUI
        expected << "usr/bin/tpgm-workbench"
                 << "usr/share/applications/tpgm-workbench.desktop"
                 << "usr/share/icons/hicolor/scalable/apps/tpgm-workbench.svg";
#endif
        const QDir root(root_.path());
        for (const QString& file : expected) QVERIFY2(root.exists(file), qPrintable(file));
        QVERIFY(QFileInfo(root.filePath("usr/bin/tpgm-cli")).isExecutable());
        // Nothing outside /usr (no build paths, no /etc).
        QCOMPARE(root.entryList(QDir::Dirs | QDir::NoDotAndDotDot), QStringList{"usr"});
    }

    void desktopEntryIsValid() {
#ifndef TPGM_WITH_GUI
        QSKIP("built without the window");
#endif
        const QString entry = root_.filePath("usr/share/applications/tpgm-workbench.desktop");
        if (QStandardPaths::findExecutable("desktop-file-validate").isEmpty())
            QSKIP("desktop-file-validate is not installed (apt install desktop-file-utils)");
        const Result r = run("desktop-file-validate", {entry});
        QVERIFY2(r.code == 0 && r.out.trimmed().isEmpty(), qPrintable(r.out));
        QFile f(entry);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString text = f.readAll();
        QVERIFY(text.contains("\nExec=tpgm-workbench"));
        QVERIFY(text.contains("\nIcon=tpgm-workbench\n"));  // the installed icon's name
    }

    void installedCliRuns() {
        const QString cli = root_.filePath("usr/bin/tpgm-cli");
        const Result help = run(cli, {"--help"});
        QVERIFY2(help.code == 0 && help.out.contains("finetune"), qPrintable(help.out));
        const Result version = run(cli, {"--version"});
        QVERIFY2(version.code == 0 && version.out.contains("LibTorch"), qPrintable(version.out));
    }
};

QTEST_APPLESS_MAIN(TestPackage)
#include "test_package.moc"
