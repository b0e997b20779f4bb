// SPDX-License-Identifier: GPL-3.0-or-later
// TensorBoard event files, written without TensorFlow: TFRecord framing around serialized
// `Event` protobufs (tensorflow/core/util/event.proto, summary.proto), encoded by hand with the
// published field numbers. TensorBoard, and W&B's TensorBoard sync, read them.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace tpgm {

// CRC-32C (Castagnoli), as TFRecord frames use it.
uint32_t crc32c(const std::string& bytes);
// TFRecord's masked CRC: rotate right by 15 and add a constant.
uint32_t masked_crc32c(const std::string& bytes);
// One TFRecord: length, masked CRC of the length, payload, masked CRC of the payload.
std::string tfrecord(const std::string& payload);

// Serialized Event messages (field numbers of tensorflow.Event and tensorflow.Summary).
namespace tb_proto {
std::string file_version_event(double wall_time);
std::string scalar_event(double wall_time, int64_t step, const std::string& tag, float value);
// A histogram of `values` (TensorBoard's HistogramProto: min, max, num, sum, sum of squares,
// bucket right edges and counts).
std::string histogram_event(double wall_time, int64_t step, const std::string& tag,
                            const std::vector<double>& values);
// Text shown by TensorBoard's text plugin (a string tensor with plugin "text").
std::string text_event(double wall_time, int64_t step, const std::string& tag,
                       const std::string& text);
}  // namespace tb_proto

// Removes the events.out.tfevents.* files in `dir` (and nothing else) but `keep`; no error when
// none.
void remove_event_files(const std::string& dir, const std::string& keep = "");

// Appends events to one events.out.tfevents.* file in `dir` (created). flush() after a group of
// records (one training event) lets TensorBoard follow a live run without a write per record.
class TensorBoardWriter {
  public:
    // Starts a new event file named after `wall_time` (and a per-process counter).
    TensorBoardWriter(const std::string& dir, double wall_time);
    void scalar(double wall_time, int64_t step, const std::string& tag, double value);
    void histogram(double wall_time, int64_t step, const std::string& tag,
                   const std::vector<double>& values);
    void text(double wall_time, int64_t step, const std::string& tag, const std::string& text);
    // Throws std::runtime_error naming the file when a record could not be written.
    void flush();
    const std::string& path() const { return path_; }

  private:
    void write(const std::string& event);
    std::string path_;
    std::ofstream out_;
};

}  // namespace tpgm
