// SPDX-License-Identifier: GPL-3.0-or-later
// Runs tpgm-cli as a user would (a child process) for the end-to-end suites.
#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>

constexpr int kCliTimeoutMs = 240000;  // longest a single tpgm-cli call in a suite may take

// How a tpgm-cli call ended: exit code (-1: crashed or timed out) and its output.
struct CliResult {
    int code;
    QString out;
    QString err;
};

// tpgm-cli `args`, in `env` when given (else this process's environment).
inline CliResult run_cli(const QStringList& args, const QProcessEnvironment& env = {}) {
    QProcess p;
    if (!env.isEmpty()) p.setProcessEnvironment(env);
    p.start(TPGM_CLI_PATH, args);
    if (!p.waitForFinished(kCliTimeoutMs)) return {-1, {}, "timed out"};
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}
