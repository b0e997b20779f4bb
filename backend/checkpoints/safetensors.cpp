// SPDX-License-Identifier: GPL-3.0-or-later
#include "checkpoints/safetensors.h"

#include "files/atomic_file.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

namespace tpgm {
namespace {

constexpr uint64_t kMaxHeader = 100u << 20;  // the reference implementation's limit

const std::vector<std::pair<std::string, c10::ScalarType>>& dtypes() {
    static const std::vector<std::pair<std::string, c10::ScalarType>> t = {
        {"F64", c10::kDouble}, {"F32", c10::kFloat}, {"F16", c10::kHalf},  {"BF16", c10::kBFloat16},
        {"I64", c10::kLong},   {"I32", c10::kInt},   {"I16", c10::kShort}, {"I8", c10::kChar},
        {"U8", c10::kByte},    {"BOOL", c10::kBool},
    };
    return t;
}

uint64_t header_length(const char* p) {
    uint64_t n = 0;
    for (int k = 7; k >= 0; --k) n = (n << 8) | static_cast<uint8_t>(p[k]);
    return n;
}

[[noreturn]] void bad(const std::string& what) {
    throw CheckpointError("safetensors: " + what);
}

struct Entry {
    std::string name;
    c10::ScalarType dtype;
    std::vector<int64_t> shape;
    uint64_t begin, end;
};

}  // namespace

bool looks_like_safetensors(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char head[9] = {};
    in.read(head, 9);
    if (in.gcount() != 9 || head[8] != '{') return false;
    const uint64_t n = header_length(head);
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return !ec && n >= 2 && n <= kMaxHeader && n <= size - 8;
}

SafetensorsContents read_safetensors_bytes(const std::string& bytes) {
    if (bytes.size() < 8) bad("file shorter than its 8-byte header length");
    const uint64_t n = header_length(bytes.data());
    if (n > kMaxHeader) bad("header length " + std::to_string(n) + " is absurd");
    if (n > bytes.size() - 8)
        bad("header length " + std::to_string(n) + " exceeds the file (" +
            std::to_string(bytes.size()) + " bytes)");
    const nlohmann::json header =
        nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + n, nullptr,
                              /*allow_exceptions=*/false);
    if (header.is_discarded() || !header.is_object()) bad("the header is not a JSON object");
    const uint64_t data_size = bytes.size() - 8 - n;
    SafetensorsContents out;
    std::vector<Entry> entries;
    for (const auto& [name, v] : header.items()) {
        if (name == "__metadata__") {
            if (!v.is_object()) bad("__metadata__ is not an object");
            for (const auto& [k, s] : v.items())
                if (s.is_string()) out.metadata[k] = s.get<std::string>();
            continue;
        }
        const std::string where = "tensor '" + name.substr(0, 80) + "': ";
        if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") ||
            !v.contains("data_offsets"))
            bad(where + "needs dtype, shape and data_offsets");
        const auto& dt = v["dtype"];
        const auto& shape = v["shape"];
        const auto& offs = v["data_offsets"];
        if (!dt.is_string() || !shape.is_array() || !offs.is_array() || offs.size() != 2 ||
            !offs[0].is_number_unsigned() || !offs[1].is_number_unsigned())
            bad(where + "malformed dtype, shape or data_offsets");
        Entry e{
            name, c10::ScalarType::Undefined, {}, offs[0].get<uint64_t>(), offs[1].get<uint64_t>()};
        for (const auto& [s, d] : dtypes())
            if (dt.get<std::string>() == s) e.dtype = d;
        if (e.dtype == c10::ScalarType::Undefined) bad(where + "unsupported dtype " + dt.dump());
        if (shape.size() > 32) bad(where + "too many dims");
        unsigned __int128 numel = 1;
        for (const auto& d : shape) {
            if (!d.is_number_unsigned()) bad(where + "shape entries must be non-negative integers");
            numel *= d.get<uint64_t>();
            if (numel > (uint64_t{1} << 48)) bad(where + "absurd shape");
            e.shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
        }
        if (e.end < e.begin || e.end > data_size)
            bad(where + "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                ") outside the " + std::to_string(data_size) + "-byte data section");
        if (numel * c10::elementSize(e.dtype) != e.end - e.begin)
            bad(where + "data_offsets span " + std::to_string(e.end - e.begin) +
                " bytes, shape and dtype need " +
                std::to_string(static_cast<uint64_t>(numel * c10::elementSize(e.dtype))));
        entries.push_back(std::move(e));
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    for (std::size_t k = 1; k < entries.size(); ++k)
        if (entries[k].begin < entries[k - 1].end)
            bad("tensors '" + entries[k - 1].name + "' and '" + entries[k].name + "' overlap");
    const char* data = bytes.data() + 8 + n;
    for (const Entry& e : entries) {
        torch::Tensor t = torch::empty(e.shape, torch::TensorOptions().dtype(e.dtype));
        if (e.end > e.begin) std::memcpy(t.data_ptr(), data + e.begin, e.end - e.begin);
        out.state.emplace_back(e.name, t);
    }
    return out;
}

SafetensorsContents read_safetensors(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw CheckpointError("'" + path + "' cannot be opened");
    const std::string bytes{std::istreambuf_iterator<char>(in), {}};
    try {
        return read_safetensors_bytes(bytes);
    } catch (const CheckpointError& e) {
        throw CheckpointError("'" + path + "': " + e.what());
    }
}

std::string safetensors_bytes(const StateDict& state,
                              const std::map<std::string, std::string>& metadata) {
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::vector<torch::Tensor> tensors;
    std::set<std::string> names;
    uint64_t offset = 0;
    for (const auto& [name, tensor] : state) {
        if (!names.insert(name).second)
            throw CheckpointError("duplicate tensor name '" + name + "'");
        if (!tensor.defined()) throw CheckpointError("tensor '" + name + "' is undefined");
        torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
        std::string dt;
        for (const auto& [s, d] : dtypes())
            if (d == t.scalar_type()) dt = s;
        if (dt.empty())
            throw CheckpointError("tensor '" + name + "': dtype not supported by safetensors");
        const uint64_t size = t.numel() * t.element_size();
        header[name] = {
            {"dtype", dt}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + size}}};
        offset += size;
        tensors.push_back(t);
    }
    std::string h = header.dump();
    while ((8 + h.size()) % 8) h.push_back(' ');
    std::string out(8, '\0');
    for (int k = 0; k < 8; ++k) out[k] = static_cast<char>((h.size() >> (8 * k)) & 0xff);
    out += h;
    out.reserve(out.size() + offset);
    for (const auto& t : tensors)
        out.append(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
    return out;
}

void write_safetensors(const std::string& path, const StateDict& state,
                       const std::map<std::string, std::string>& metadata) {
    const std::string bytes = safetensors_bytes(state, metadata);
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    write_file_atomically(path, bytes);
}

}  // namespace tpgm
