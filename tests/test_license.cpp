// SPDX-License-Identifier: GPL-3.0-or-later
// The license is stated everywhere a user or packager looks (issue 17): LICENSE holds the GPL-3
// text, THIRD_PARTY.md and packaging/debian/copyright exist, and every source, CMake and script
// file names GPL-3.0-or-later in an SPDX line within its first three lines. Plain Qt Test: no
// LibTorch, no OpenCV, no build products; it only reads the source tree.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest/QtTest>

namespace {

const char* const kSpdx = "SPDX-License-Identifier: GPL-3.0-or-later";

// Whether one of the first three lines of `path` carries the SPDX line.
bool hasSpdxLine(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return false;
    for (int line = 0; line < 3 && !f.atEnd(); ++line)
        if (f.readLine(4096).contains(kSpdx)) return true;
    return false;
}

// Whether a file (by its path relative to the source root) must carry the SPDX line.
bool needsSpdxLine(const QString& relative) {
    const QString name = QFileInfo(relative).fileName();
    static const QStringList suffixes = {".cpp", ".h", ".cmake", ".sh", ".py"};
    for (const QString& s : suffixes)
        if (name.endsWith(s)) return true;
    return name == "CMakeLists.txt" || relative == ".ci/run";
}

// Collects, below `dir`, the files that need the SPDX line; skips build folders, hidden folders
// (the caller names .ci itself) and symbolic links to folders.
void collect(const QDir& root, const QString& dir, QStringList& out) {
    const QFileInfoList entries = QDir(dir).entryInfoList(
        QDir::Dirs | QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name);
    for (const QFileInfo& e : entries) {
        const QString name = e.fileName();
        if (e.isDir()) {
            if (e.isSymLink() || name.startsWith('.') || name.startsWith("build")) continue;
            collect(root, e.filePath(), out);
        } else if (needsSpdxLine(root.relativeFilePath(e.filePath()))) {
            out << root.relativeFilePath(e.filePath());
        }
    }
}

// The checked files below `rootPath`, relative to it.
QStringList checkedFiles(const QString& rootPath) {
    const QDir root(rootPath);
    QStringList files;
    for (const char* top : {"app", "backend", "ui", "tests", "cmake", "packaging", ".ci"})
        if (root.exists(top)) collect(root, root.filePath(top), files);
    if (root.exists("CMakeLists.txt")) files << "CMakeLists.txt";
    return files;
}

// The checked files below `rootPath` that lack the SPDX line.
QStringList offenders(const QString& rootPath, int* checked = nullptr) {
    const QDir root(rootPath);
    const QStringList files = checkedFiles(rootPath);
    if (checked) *checked = int(files.size());
    QStringList bad;
    for (const QString& f : files)
        if (!hasSpdxLine(root.filePath(f))) bad << f;
    return bad;
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeFile(const QString& path, const QByteArray& text) {
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(text) == text.size();
}

}  // namespace

class TestLicense : public QObject {
    Q_OBJECT

    const QDir source_{QStringLiteral(TPGM_SOURCE_DIR)};

  private Q_SLOTS:
    void initTestCase() { QVERIFY2(source_.exists("CMakeLists.txt"), TPGM_SOURCE_DIR); }

    void licenseFileIsGpl3() {
        const QByteArray text = readAll(source_.filePath("LICENSE"));
        QVERIFY2(!text.isEmpty(), "LICENSE is missing at the top of the source tree");
        QVERIFY(text.contains("GNU GENERAL PUBLIC LICENSE"));
        QVERIFY(text.contains("Version 3"));
    }

    void thirdPartyAndDebianCopyrightExist() {
        const QByteArray third = readAll(source_.filePath("THIRD_PARTY.md"));
        QVERIFY2(third.contains("QCustomPlot") && third.contains("GPL-3"), "THIRD_PARTY.md");
        const QByteArray copyright = readAll(source_.filePath("packaging/debian/copyright"));
        QVERIFY2(copyright.startsWith(
                     "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"),
                 "packaging/debian/copyright is not a DEP-5 file");
        QVERIFY(copyright.contains("\nFiles: *\n"));
        QVERIFY(copyright.contains("\nLicense: GPL-3+\n"));
        QVERIFY(copyright.contains("/usr/share/common-licenses/GPL-3"));
    }

    // The check itself: a file without the line, or with it too late, is reported.
    void checkerReportsAFileWithoutTheLine() {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QDir t(tmp.path());
        const QByteArray spdx = QByteArray("# ") + kSpdx + "\n";
        QVERIFY(writeFile(t.filePath("CMakeLists.txt"), spdx));
        QVERIFY(writeFile(t.filePath("app/ok.cpp"), "// " + QByteArray(kSpdx) + "\nint x;\n"));
        QVERIFY(writeFile(t.filePath("packaging/ok.sh"), "#!/bin/sh\n" + spdx));
        QVERIFY(writeFile(t.filePath(".ci/run"), "#!/bin/sh\n" + spdx));
        QVERIFY(writeFile(t.filePath("backend/missing.h"), "#pragma once\n"));
        QVERIFY(writeFile(t.filePath("tests/late.py"), "#!/usr/bin/env python3\n\n\n" + spdx));
        QVERIFY(writeFile(t.filePath("ui/notes.txt"), "no line needed\n"));
        QVERIFY(writeFile(t.filePath("ui/build-x/skipped.cpp"), "int y;\n"));
        QVERIFY(writeFile(t.filePath("ui/.hidden/skipped.cpp"), "int z;\n"));
        QVERIFY(writeFile(t.filePath("docs/skipped.cpp"), "int w;\n"));
        int checked = 0;
        const QStringList bad = offenders(tmp.path(), &checked);
        QCOMPARE(checked, 6);
        QCOMPARE(bad, QStringList({"backend/missing.h", "tests/late.py"}));
    }

    void everySourceFileHasTheSpdxLine() {
        int checked = 0;
        const QStringList bad = offenders(source_.path(), &checked);
        // The walk must have found the project, not an empty folder.
        QVERIFY2(checked > 100, qPrintable(QString("only %1 files checked").arg(checked)));
        QVERIFY2(bad.isEmpty(),
                 qPrintable(QString("%1 of %2 files lack \"%3\" in their first 3 lines:\n  %4")
                                .arg(bad.size())
                                .arg(checked)
                                .arg(kSpdx)
                                .arg(bad.join("\n  "))));
    }
};

QTEST_GUILESS_MAIN(TestLicense)
#include "test_license.moc"
