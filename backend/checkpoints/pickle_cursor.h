// SPDX-License-Identifier: GPL-3.0-or-later
// Internal to checkpoints/: the byte cursor and value stack that both walks over a pickle share
// (torch_pickle.cpp builds the data.pkl's values, torch_pickle_structure.cpp only its shape).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tpgm::pickle::detail {

[[noreturn]] inline void fail(const std::string& what) {
    throw std::runtime_error("pickle: " + what);
}

// What both walks over a pickle share: the byte cursor, and the value stack with its marks.
// A value costs at least one opcode byte, so a stack larger than the pickle is a forgery.
template <typename Value>
class PickleCursor {
  protected:
    explicit PickleCursor(const std::string& bytes) : b_(bytes) {}

    const std::string& b_;
    std::size_t pos_ = 0;
    std::vector<Value> stack_;
    std::vector<std::size_t> marks_;

    uint8_t byte() {
        if (pos_ >= b_.size()) fail("truncated (no STOP)");
        return static_cast<uint8_t>(b_[pos_++]);
    }
    const char* take(uint64_t n) {
        if (n > b_.size() - pos_) fail("truncated at byte " + std::to_string(pos_));
        const char* p = b_.data() + pos_;
        pos_ += n;
        return p;
    }
    uint64_t le_unsigned(int n) {
        const auto* p = reinterpret_cast<const uint8_t*>(take(n));
        uint64_t v = 0;
        for (int k = n - 1; k >= 0; --k) v = (v << 8) | p[k];
        return v;
    }
    std::string line() {
        const std::size_t end = b_.find('\n', pos_);
        if (end == std::string::npos || end - pos_ > 256) fail("bad GLOBAL");
        std::string s = b_.substr(pos_, end - pos_);
        pos_ = end + 1;
        return s;
    }
    void push(Value v) {
        if (stack_.size() >= b_.size()) fail("stack larger than the pickle");
        stack_.push_back(v);
    }
    std::size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
    Value top() {
        if (stack_.size() <= floor()) fail("stack underflow at byte " + std::to_string(pos_));
        return stack_.back();
    }
    Value pop() {
        Value v = top();
        stack_.pop_back();
        return v;
    }
    std::vector<Value> pop_n(std::size_t n) {
        if (stack_.size() < floor() + n) fail("stack underflow at byte " + std::to_string(pos_));
        std::vector<Value> out(stack_.end() - static_cast<std::ptrdiff_t>(n), stack_.end());
        stack_.resize(stack_.size() - n);
        return out;
    }
    std::vector<Value> pop_mark() {
        if (marks_.empty()) fail("no MARK at byte " + std::to_string(pos_));
        const std::size_t m = marks_.back();
        marks_.pop_back();
        if (m > stack_.size()) fail("corrupt MARK");
        std::vector<Value> out(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
        stack_.resize(m);
        return out;
    }
    Value finish() {
        if (stack_.size() != 1 || !marks_.empty()) fail("stack not empty at STOP");
        return stack_.back();
    }
};

}  // namespace tpgm::pickle::detail
