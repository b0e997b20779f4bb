// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <filesystem>
#include <stdexcept>

namespace tpgm {
namespace fs = std::filesystem;

RunLock::RunLock(const std::string& dir) {
    fs::create_directories(dir);
    const std::string path = (fs::path(dir) / ".lock").string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("cannot create '" + path + "'");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = {};
        const ssize_t n = ::pread(fd_, pid, sizeof(pid) - 1, 0);
        ::close(fd_);
        fd_ = -1;
        std::string holder = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : "";
        holder.erase(holder.find_last_not_of(" \n") + 1);
        throw std::runtime_error("run folder '" + dir + "' is being written by another process" +
                                 (holder.empty() ? "" : " (PID " + holder + ")") +
                                 "; choose another run_dir or wait for it to finish");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
        // The lock holds without the PID; the message to a second writer just lacks it.
    }
}

RunLock::~RunLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace tpgm
