// SPDX-License-Identifier: GPL-3.0-or-later
#include "data/idx_reader.h"

#include <zlib.h>

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <vector>

namespace tpgm {
namespace {

// Reads the whole file, inflating it when it is gzip-compressed (gzread passes plain files
// through).
std::vector<std::uint8_t> read_all(const std::string& path) {
    if (!std::filesystem::is_regular_file(path))
        throw DatasetError("dataset file '" + path + "' does not exist");
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) throw DatasetError("cannot open '" + path + "'");
    std::vector<std::uint8_t> out;
    std::uint8_t chunk[1 << 16];
    int n;
    while ((n = gzread(f, chunk, sizeof chunk)) > 0) out.insert(out.end(), chunk, chunk + n);
    int err = 0;
    const std::string msg = gzerror(f, &err);  // owned by `f`: copied before gzclose frees it
    gzclose(f);
    if (n < 0 || (err != Z_OK && err != Z_STREAM_END))
        throw DatasetError("'" + path + "' is corrupt or truncated: " + msg);
    return out;
}

std::uint32_t be32(const std::vector<std::uint8_t>& b, std::size_t at) {
    return (std::uint32_t(b[at]) << 24) | (std::uint32_t(b[at + 1]) << 16) |
           (std::uint32_t(b[at + 2]) << 8) | std::uint32_t(b[at + 3]);
}

// Validates an unsigned-byte IDX header with `dims` dimensions; returns the sizes.
std::vector<int64_t> header(const std::vector<std::uint8_t>& b, int dims, const std::string& path) {
    const std::size_t header_bytes = 4 + 4 * static_cast<std::size_t>(dims);
    if (b.size() < 4) throw DatasetError("'" + path + "' is too short for an IDX header");
    if (b[0] != 0 || b[1] != 0 || b[2] != 0x08 || b[3] != dims)
        throw DatasetError("'" + path + "' is not an unsigned-byte IDX file with " +
                           std::to_string(dims) + " dimension(s)");
    if (b.size() < header_bytes)
        throw DatasetError("'" + path + "' is too short for an IDX header");
    std::vector<int64_t> sizes;
    std::size_t count = 1;
    for (int d = 0; d < dims; ++d) {
        sizes.push_back(be32(b, 4 + 4 * d));
        count *= static_cast<std::size_t>(sizes.back());
    }
    if (b.size() != header_bytes + count)
        throw DatasetError("'" + path + "' holds " + std::to_string(b.size() - header_bytes) +
                           " data bytes, its header promises " + std::to_string(count));
    return sizes;
}

}  // namespace

torch::Tensor read_idx_images(const std::string& path) {
    auto bytes = read_all(path);
    const auto s = header(bytes, 3, path);
    if (s[0] == 0 || s[1] == 0 || s[2] == 0) throw DatasetError("'" + path + "' holds no images");
    return torch::from_blob(bytes.data() + 16, {s[0], 1, s[1], s[2]}, torch::kUInt8).clone();
}

torch::Tensor read_idx_labels(const std::string& path) {
    auto bytes = read_all(path);
    const auto s = header(bytes, 1, path);
    return torch::from_blob(bytes.data() + 8, {s[0]}, torch::kUInt8).to(torch::kLong);
}

}  // namespace tpgm
