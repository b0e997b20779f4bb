// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/tb_events.h"

#include "files/atomic_file.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace tpgm {
namespace {

// Protobuf wire types.
constexpr int kVarint = 0;
constexpr int kFixed64 = 1;
constexpr int kBytes = 2;
constexpr int kFixed32 = 5;

constexpr int kHistogramBuckets = 30;  // equal-width buckets between the smallest and largest
constexpr int kDtString = 7;           // tensorflow.DataType DT_STRING

void varint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

void key(std::string& out, int field, int wire_type) {
    varint(out, static_cast<uint64_t>(field) << 3 | static_cast<uint64_t>(wire_type));
}

template <typename T>
void little_endian(std::string& out, T v) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &v, sizeof(T));  // x86-64 and aarch64 are little-endian
    out.append(bytes, sizeof(T));
}

void field_varint(std::string& out, int field, uint64_t v) {
    key(out, field, kVarint);
    varint(out, v);
}
void field_double(std::string& out, int field, double v) {
    key(out, field, kFixed64);
    little_endian(out, v);
}
void field_float(std::string& out, int field, float v) {
    key(out, field, kFixed32);
    little_endian(out, v);
}
void field_bytes(std::string& out, int field, const std::string& bytes) {
    key(out, field, kBytes);
    varint(out, bytes.size());
    out += bytes;
}
void field_packed_doubles(std::string& out, int field, const std::vector<double>& values) {
    std::string packed;
    for (double v : values) little_endian(packed, v);
    field_bytes(out, field, packed);
}

// tensorflow.Event{wall_time = 1, step = 2, summary = 5} around one Summary.Value.
std::string event_with_value(double wall_time, int64_t step, const std::string& value) {
    std::string summary, event;
    field_bytes(summary, 1, value);  // Summary.value
    field_double(event, 1, wall_time);
    field_varint(event, 2, static_cast<uint64_t>(step));
    field_bytes(event, 5, summary);
    return event;
}

const std::array<uint32_t, 256>& crc_table() {
    static const std::array<uint32_t, 256> table = [] {
        std::array<uint32_t, 256> t{};
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;  // reflected
            t[i] = c;
        }
        return t;
    }();
    return table;
}

}  // namespace

uint32_t crc32c(const std::string& bytes) {
    const auto& table = crc_table();
    uint32_t c = 0xFFFFFFFFu;
    for (unsigned char b : bytes) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

uint32_t masked_crc32c(const std::string& bytes) {
    const uint32_t c = crc32c(bytes);
    return ((c >> 15) | (c << 17)) + 0xA282EAD8u;
}

std::string tfrecord(const std::string& payload) {
    std::string length;
    little_endian(length, static_cast<uint64_t>(payload.size()));
    std::string out = length;
    little_endian(out, masked_crc32c(length));
    out += payload;
    little_endian(out, masked_crc32c(payload));
    return out;
}

namespace tb_proto {

std::string file_version_event(double wall_time) {
    std::string event;
    field_double(event, 1, wall_time);
    field_bytes(event, 3, "brain.Event:2");  // Event.file_version
    return event;
}

std::string scalar_event(double wall_time, int64_t step, const std::string& tag, float value) {
    std::string v;
    field_bytes(v, 1, tag);    // Summary.Value.tag
    field_float(v, 2, value);  // Summary.Value.simple_value
    return event_with_value(wall_time, step, v);
}

std::string histogram_event(double wall_time, int64_t step, const std::string& tag,
                            const std::vector<double>& values) {
    std::vector<double> finite;
    for (double x : values)
        if (std::isfinite(x)) finite.push_back(x);
    std::string h;
    const double lo = finite.empty() ? 0 : *std::min_element(finite.begin(), finite.end());
    const double hi = finite.empty() ? 0 : *std::max_element(finite.begin(), finite.end());
    double sum = 0, squares = 0;
    for (double x : finite) sum += x, squares += x * x;
    // Right edges of equal-width buckets; one bucket when every value is the same.
    const int n = hi > lo ? kHistogramBuckets : 1;
    std::vector<double> limits(n), counts(n, 0);
    for (int b = 0; b < n; ++b) limits[b] = lo + (hi - lo) * (b + 1) / n;
    limits.back() = hi;
    for (double x : finite) {
        const int b = hi > lo ? std::min(n - 1, static_cast<int>((x - lo) / (hi - lo) * n)) : 0;
        counts[b] += 1;
    }
    field_double(h, 1, lo);                                  // HistogramProto.min
    field_double(h, 2, hi);                                  // max
    field_double(h, 3, static_cast<double>(finite.size()));  // num
    field_double(h, 4, sum);
    field_double(h, 5, squares);
    field_packed_doubles(h, 6, limits);  // bucket_limit
    field_packed_doubles(h, 7, counts);  // bucket
    std::string v;
    field_bytes(v, 1, tag);
    field_bytes(v, 5, h);  // Summary.Value.histo
    return event_with_value(wall_time, step, v);
}

std::string text_event(double wall_time, int64_t step, const std::string& tag,
                       const std::string& text) {
    std::string plugin, metadata, tensor, v;
    field_bytes(plugin, 1, "text");      // PluginData.plugin_name
    field_bytes(metadata, 1, plugin);    // SummaryMetadata.plugin_data
    field_varint(tensor, 1, kDtString);  // TensorProto.dtype
    field_bytes(tensor, 2, "");          // tensor_shape: a scalar
    field_bytes(tensor, 8, text);        // string_val
    field_bytes(v, 1, tag);
    field_bytes(v, 9, metadata);  // Summary.Value.metadata
    field_bytes(v, 8, tensor);    // Summary.Value.tensor
    return event_with_value(wall_time, step, v);
}

}  // namespace tb_proto

void remove_event_files(const std::string& dir, const std::string& keep) {
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(dir, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
        if (it->path().filename().string().rfind("events.out.tfevents.", 0) == 0 &&
            it->path().string() != keep)
            std::filesystem::remove(it->path(), ec);
}

TensorBoardWriter::TensorBoardWriter(const std::string& dir, double wall_time) {
    static std::atomic<int> counter{0};
    std::filesystem::create_directories(dir);
    char host[256] = "localhost";
    ::gethostname(host, sizeof(host) - 1);
    path_ = (std::filesystem::path(dir) /
             ("events.out.tfevents." + std::to_string(static_cast<int64_t>(wall_time)) + "." +
              host + "." + std::to_string(::getpid()) + "." + std::to_string(counter++)))
                .string();
    out_.open(path_, std::ios::binary | std::ios::trunc);
    if (!out_) throw std::runtime_error("cannot write TensorBoard events to '" + path_ + "'");
    write(tb_proto::file_version_event(wall_time));
    flush();
}

void TensorBoardWriter::scalar(double wall_time, int64_t step, const std::string& tag,
                               double value) {
    write(tb_proto::scalar_event(wall_time, step, tag, static_cast<float>(value)));
}

void TensorBoardWriter::histogram(double wall_time, int64_t step, const std::string& tag,
                                  const std::vector<double>& values) {
    write(tb_proto::histogram_event(wall_time, step, tag, values));
}

void TensorBoardWriter::text(double wall_time, int64_t step, const std::string& tag,
                             const std::string& text) {
    write(tb_proto::text_event(wall_time, step, tag, text));
}

void TensorBoardWriter::write(const std::string& event) {
    out_ << tfrecord(event);
}

void TensorBoardWriter::flush() {
    out_.flush();
    check_appended(out_, path_);
}

}  // namespace tpgm
