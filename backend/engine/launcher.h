// SPDX-License-Identifier: GPL-3.0-or-later
// `tpgm-cli finetune --nproc N`: starts the N ranks of a data-parallel run on this machine, the
// way torchrun's standalone mode does, and waits for them. Torch-free; POSIX.
#pragma once

#include "config/run_config.h"

#include <string>
#include <vector>

namespace tpgm {

// How one rank's process ended: its exit status, or 128 + the signal that killed it.
struct RankExit {
    int rank = 0;
    int status = 0;
};

// Runs `processes` copies of this program with `arguments` (argv without the program name) as
// the ranks of one run: RANK and LOCAL_RANK 0..N-1, WORLD_SIZE and LOCAL_WORLD_SIZE N,
// MASTER_ADDR 127.0.0.1 and MASTER_PORT a free port. The ranks share a process group of their
// own: Ctrl-C, SIGTERM or SIGHUP to this process reaches each of them once, and each gets SIGTERM
// when this process dies (even by SIGKILL). At most one process per core (2 on a smaller
// machine); more throws std::runtime_error. Once a rank has failed the
// others get `grace_seconds` to stop on their own (their collectives time out), then SIGKILL.
// With `discard_stdout` the ranks' standard output goes to /dev/null (their errors still show).
// Returns every rank's exit, in the order they ended.
std::vector<RankExit> run_local_ranks(int processes, const std::vector<std::string>& arguments,
                                      int grace_seconds, bool discard_stdout = false);

// Seconds the ranks of a failed run get beyond dist.timeout_s to stop on their own.
inline constexpr int kRankGraceSeconds = 30;

// `tpgm-cli finetune` with `config` (written to `config_path` for the ranks to read; -q with
// `quiet`) as `processes` local ranks, with dist.timeout_s + kRankGraceSeconds of grace.
std::vector<RankExit> run_config_on_local_ranks(const RunConfig& config, int processes,
                                                const std::string& config_path, bool quiet,
                                                bool discard_stdout = false);

// A TCP port on 127.0.0.1 that nothing listens on at the moment of asking.
int free_local_port();

}  // namespace tpgm
