#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reads TensorBoard event files independently of the workbench's writer, for test_run_store.

TFRecord framing is checked by hand against the published format (uint64 length, masked
CRC-32C of the length, payload, masked CRC-32C of the payload; CRC computed bit by bit here).
Payloads are parsed by the protobuf library itself, with message types declared below from the
field numbers of tensorflow/core/util/event.proto and tensorflow/core/framework/summary.proto.
Prints one JSON object: {"file_version": ..., "scalars": {tag: [[step, value], ...]},
"histograms": {tag: [[step, num, min, max, sum of bucket counts], ...]}, "texts": {tag: [...]}}.
"""
import json
import struct
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def masked(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def messages():
    file = descriptor_pb2.FileDescriptorProto(name="tb_test.proto", package="tbtest")

    def message(name, fields):
        m = file.message_type.add(name=name)
        for fname, number, ftype, label, type_name in fields:
            f = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                f.type_name = ".tbtest." + type_name

    opt, rep = F.LABEL_OPTIONAL, F.LABEL_REPEATED
    message("Histogram", [("min", 1, F.TYPE_DOUBLE, opt, None), ("max", 2, F.TYPE_DOUBLE, opt, None),
                          ("num", 3, F.TYPE_DOUBLE, opt, None), ("sum", 4, F.TYPE_DOUBLE, opt, None),
                          ("sum_squares", 5, F.TYPE_DOUBLE, opt, None),
                          ("bucket_limit", 6, F.TYPE_DOUBLE, rep, None),
                          ("bucket", 7, F.TYPE_DOUBLE, rep, None)])
    message("PluginData", [("plugin_name", 1, F.TYPE_STRING, opt, None)])
    message("Metadata", [("plugin_data", 1, F.TYPE_MESSAGE, opt, "PluginData")])
    message("Tensor", [("dtype", 1, F.TYPE_INT32, opt, None), ("string_val", 8, F.TYPE_BYTES, rep, None)])
    message("Value", [("tag", 1, F.TYPE_STRING, opt, None), ("simple_value", 2, F.TYPE_FLOAT, opt, None),
                      ("histo", 5, F.TYPE_MESSAGE, opt, "Histogram"),
                      ("tensor", 8, F.TYPE_MESSAGE, opt, "Tensor"),
                      ("metadata", 9, F.TYPE_MESSAGE, opt, "Metadata")])
    message("Summary", [("value", 1, F.TYPE_MESSAGE, rep, "Value")])
    message("Event", [("wall_time", 1, F.TYPE_DOUBLE, opt, None), ("step", 2, F.TYPE_INT64, opt, None),
                      ("file_version", 3, F.TYPE_STRING, opt, None),
                      ("summary", 5, F.TYPE_MESSAGE, opt, "Summary")])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    descriptor = pool.FindMessageTypeByName("tbtest.Event")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)


def main(path):
    Event = messages()
    data = open(path, "rb").read()
    out = {"file_version": None, "scalars": {}, "histograms": {}, "texts": {}, "records": 0}
    pos = 0
    while pos < len(data):
        header = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[pos + 8:pos + 12])
        if masked(header) != length_crc:
            sys.exit("bad length CRC at byte %d" % pos)
        payload = data[pos + 12:pos + 12 + length]
        (payload_crc,) = struct.unpack("<I", data[pos + 12 + length:pos + 16 + length])
        if len(payload) != length or masked(payload) != payload_crc:
            sys.exit("bad payload CRC at byte %d" % pos)
        pos += 16 + length
        out["records"] += 1
        event = Event()
        event.ParseFromString(payload)
        if event.file_version:
            out["file_version"] = event.file_version
        for v in event.summary.value:
            if v.HasField("histo"):
                h = v.histo
                out["histograms"].setdefault(v.tag, []).append(
                    [event.step, h.num, h.min, h.max, sum(h.bucket)])
            elif v.HasField("tensor"):
                assert v.metadata.plugin_data.plugin_name == "text", v.tag
                out["texts"].setdefault(v.tag, []).extend(s.decode() for s in v.tensor.string_val)
            else:
                out["scalars"].setdefault(v.tag, []).append([event.step, v.simple_value])
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
