// SPDX-License-Identifier: GPL-3.0-or-later
// Small file helpers the data suites share: write a file (making its folders) and read one back.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

inline void write_text(const std::filesystem::path& p, const std::string& text) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

inline std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}
