// SPDX-License-Identifier: GPL-3.0-or-later
// Safe file I/O: crash- and full-disk-safe replacement (write a temporary file, fsync, then
// rename), checks on files the workbench reads and appends to, whole-file reads.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

namespace tpgm {

// Replaces `path` with `bytes` so that readers see either the old or the new file, never a
// partial one. On any failure (e.g. the disk is full) the temporary file is removed, `path` is
// left as it was, and std::runtime_error names the file and the system error. An existing
// `path` that is not a regular file (a symbolic link, device, FIFO, folder) is refused.
void write_file_atomically(const std::string& path, std::string_view bytes);

// For files the workbench reads (configs, lists, class files, run files): throws
// std::runtime_error naming `what` and `path` when `path` exists but is not a regular file (or a
// link to one): opening a FIFO blocks until someone writes to it, deaf to a stop.
void check_regular_input(const std::string& path, const std::string& what);

// The whole text of `path`; "" when it is absent or not a regular file (a FIFO in place of a
// run file would block the reader, e.g. the window's follower, for ever).
std::string read_text_file(const std::string& path);

// For files appended to as a run goes (metrics.jsonl, radii.csv, TensorBoard events): throws
// std::runtime_error naming `path` and the system error when a write or flush of `out` failed
// (a full disk), so that a run never carries on, or reports "completed", with lines missing.
void check_appended(const std::ostream& out, const std::string& path);

}  // namespace tpgm
