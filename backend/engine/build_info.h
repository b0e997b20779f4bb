// SPDX-License-Identifier: GPL-3.0-or-later
// What was built and what it runs on, for --version, the About box and run summaries.
#pragma once

#include <string>

namespace tpgm {

// Version numbers of this build and of the libraries it was compiled against.
struct BuildInfo {
    std::string version;   // the project's, e.g. "0.1.0"
    std::string commit;    // short git commit, "-dirty" with local changes, or "unknown"
    std::string libtorch;  // e.g. "1.13.0"
    std::string opencv;    // e.g. "4.6.0"
    bool cuda = false;     // whether LibTorch sees a CUDA device now
};
BuildInfo build_info();
// "TPGM Workbench 0.1.0 (commit ...)\nLibTorch 1.13.0 (CPU only), OpenCV 4.6.0".
std::string version_text();

}  // namespace tpgm
