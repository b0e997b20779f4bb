// SPDX-License-Identifier: GPL-3.0-or-later
// One writer per run folder, across processes.
#pragma once

#include <string>

namespace tpgm {

// The one writer of a run folder: an exclusive lock (flock on `dir`/.lock, which records the
// holder's PID) for the life of a run. Creates `dir`. Readers need no lock.
class RunLock {
  public:
    // Throws std::runtime_error naming the holder's PID when another process writes `dir`.
    explicit RunLock(const std::string& dir);
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

  private:
    int fd_ = -1;
};

}  // namespace tpgm
