// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/launcher.h"

#include "config/config_schema.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <thread>

namespace tpgm {
namespace {

volatile std::sig_atomic_t g_rank_group = 0;  // process group of the ranks, for the handler

void forward_signal(int sig) {
    if (g_rank_group > 0) kill(-static_cast<pid_t>(g_rank_group), sig);
}

int exit_status(int wait_status) {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
    return 1;
}

}  // namespace

int free_local_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error(std::string("socket(): ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;  // the kernel picks a free one
    socklen_t len = sizeof addr;
    const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    close(fd);
    if (!ok) throw std::runtime_error(std::string("no free local port: ") + std::strerror(errno));
    return ntohs(addr.sin_port);
}

std::vector<RankExit> run_local_ranks(int processes, const std::vector<std::string>& arguments,
                                      int grace_seconds, bool discard_stdout) {
    const std::string port = std::to_string(free_local_port());
    std::vector<std::string> argv_text{"tpgm-cli"};
    argv_text.insert(argv_text.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);

    const int cores = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
    if (processes > cores)
        throw std::runtime_error("--nproc " + std::to_string(processes) +
                                 ": at most one process per core, " + std::to_string(cores) +
                                 " on this machine");
    std::vector<pid_t> pids;
    pid_t group = 0;
    const pid_t launcher = getpid();
    for (int rank = 0; rank < processes; ++rank) {
        const pid_t pid = fork();
        if (pid < 0) {
            forward_signal(SIGKILL);
            throw std::runtime_error(std::string("fork(): ") + std::strerror(errno));
        }
        if (pid == 0) {
            // A rank stops (and checkpoints) when its launcher dies, even by SIGKILL: ranks that
            // outlived it trained on holding the run folder's lock.
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (getppid() != launcher) _exit(1);  // it died before the line above
            setpgid(0, group);                    // the first rank leads the group
            setenv("RANK", std::to_string(rank).c_str(), 1);
            setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
            setenv("WORLD_SIZE", std::to_string(processes).c_str(), 1);
            setenv("LOCAL_WORLD_SIZE", std::to_string(processes).c_str(), 1);
            setenv("MASTER_ADDR", "127.0.0.1", 1);
            setenv("MASTER_PORT", port.c_str(), 1);
            if (discard_stdout) {
                const int null = open("/dev/null", O_WRONLY);
                if (null >= 0) dup2(null, STDOUT_FILENO);
            }
            execv("/proc/self/exe", argv.data());
            _exit(127);
        }
        setpgid(pid, group);  // also here: whichever of the two runs first
        if (group == 0) group = pid;
        pids.push_back(pid);
    }
    g_rank_group = group;
    auto old_int = std::signal(SIGINT, forward_signal);
    auto old_term = std::signal(SIGTERM, forward_signal);
    auto old_hup = std::signal(SIGHUP, forward_signal);

    std::vector<RankExit> exits;
    using Clock = std::chrono::steady_clock;
    std::optional<Clock::time_point> deadline;  // set once a rank has failed
    while (exits.size() < pids.size()) {
        int status = 0;
        const pid_t pid = waitpid(-group, &status, WNOHANG);
        if (pid > 0) {
            for (std::size_t r = 0; r < pids.size(); ++r)
                if (pids[r] == pid) exits.push_back({static_cast<int>(r), exit_status(status)});
            if (exits.back().status != 0 && !deadline)
                deadline = Clock::now() + std::chrono::seconds(grace_seconds);
            continue;
        }
        if (pid < 0 && errno != EINTR) break;  // no children left
        if (deadline && Clock::now() > *deadline) kill(-group, SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    g_rank_group = 0;
    std::signal(SIGINT, old_int);
    std::signal(SIGTERM, old_term);
    std::signal(SIGHUP, old_hup);
    return exits;
}

std::vector<RankExit> run_config_on_local_ranks(const RunConfig& config, int processes,
                                                const std::string& config_path, bool quiet,
                                                bool discard_stdout) {
    std::ofstream(config_path) << to_yaml(config);
    std::vector<std::string> args{"finetune", "-c", config_path};
    if (quiet) args.emplace_back("-q");
    return run_local_ranks(processes, args, config.dist.timeout_s + kRankGraceSeconds,
                           discard_stdout);
}

}  // namespace tpgm
