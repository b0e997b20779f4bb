// SPDX-License-Identifier: GPL-3.0-or-later
// pickle::check_structure: the shape of the object graph LibTorch's own unpickler would build,
// checked before it builds it.
#include "checkpoints/torch_pickle.h"

#include "checkpoints/pickle_cursor.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

namespace tpgm::pickle {
namespace {

using detail::fail;
using detail::PickleCursor;

// The object graph LibTorch's unpickler would build, as ids and edges only (0: a leaf).
class StructureWalk : PickleCursor<int> {
  public:
    explicit StructureWalk(const std::string& bytes) : PickleCursor(bytes) {}

    std::size_t run(std::size_t max_depth) {
        int root = -1;
        while (root < 0) {
            const uint8_t op = byte();
            switch (op) {
                case 0x80:
                    take(1);
                    break;  // PROTO
                case 0x95:
                    take(8);
                    break;  // FRAME
                case '.':
                    root = finish();
                    break;  // STOP
                case '(':
                    marks_.push_back(stack_.size());
                    break;  // MARK
                case 'N':
                case 0x88:
                case 0x89:
                    push(0);
                    break;  // None, bools
                case 'J':
                    take(4);
                    push(0);
                    break;  // BININT
                case 'K':
                    take(1);
                    push(0);
                    break;  // BININT1
                case 'M':
                    take(2);
                    push(0);
                    break;  // BININT2
                case 0x8a:
                    take(le_unsigned(1));
                    push(0);
                    break;  // LONG1
                case 0x8b:
                    take(le_unsigned(4));
                    push(0);
                    break;  // LONG4
                case 'G':
                    take(8);
                    push(0);
                    break;  // BINFLOAT
                case 'X':
                case 'T':
                case 'B':
                    take(le_unsigned(4));
                    push(0);
                    break;
                case 0x8c:
                case 'U':
                case 'C':
                    take(le_unsigned(1));
                    push(0);
                    break;
                case 0x8d:
                case 0x8e:
                    take(le_unsigned(8));
                    push(0);
                    break;
                case ')':
                case ']':
                case '}':
                case 0x8f:
                    push(node());
                    break;  // empty containers
                case 't':
                case 'l':
                case 'd':
                case 0x91:
                    push(node(pop_mark()));
                    break;
                case 0x85:
                    push(node(pop_n(1)));
                    break;  // TUPLE1
                case 0x86:
                    push(node(pop_n(2)));
                    break;  // TUPLE2
                case 0x87:
                    push(node(pop_n(3)));
                    break;  // TUPLE3
                case 'a':
                case 's':
                case 'e':
                case 'u':
                case 0x90: {  // APPEND(S), SETITEM(S)
                    const std::vector<int> items = op == 'a'   ? pop_n(1)
                                                   : op == 's' ? pop_n(2)
                                                               : pop_mark();
                    link(top(), items);
                    break;
                }
                case 'b': {  // BUILD: the object holds its state
                    const std::vector<int> state = pop_n(1);
                    link(top(), state);
                    break;
                }
                case 'R':
                case 0x81:
                    push(node(pop_n(2)));
                    break;  // REDUCE, NEWOBJ
                case 0x92:
                    push(node(pop_n(3)));
                    break;  // NEWOBJ_EX
                case 'Q':
                    push(node(pop_n(1)));
                    break;  // BINPERSID
                case 0x93:
                    pop_n(2);
                    push(0);
                    break;  // STACK_GLOBAL
                case 'c':
                    line();
                    line();
                    push(0);
                    break;  // GLOBAL
                case '0':
                    pop_n(1);
                    break;  // POP
                case '1':
                    pop_mark();
                    break;  // POP_MARK
                case '2':
                    push(top());
                    break;  // DUP
                case 'q':
                    remember(le_unsigned(1));
                    break;  // BINPUT
                case 'r':
                    remember(le_unsigned(4));
                    break;  // LONG_BINPUT
                case 0x94:
                    remember(memo_.size());
                    break;  // MEMOIZE
                case 'h':
                    recall(le_unsigned(1));
                    break;  // BINGET
                case 'j':
                    recall(le_unsigned(4));
                    break;  // LONG_BINGET
                default: {
                    char hex[8];
                    std::snprintf(hex, sizeof hex, "0x%02x", op);
                    fail(std::string("unsupported opcode ") + hex + " at byte " +
                         std::to_string(pos_ - 1));
                }
            }
        }
        const std::size_t depth = deepest_path(root, max_depth);
        if (depth > max_depth)
            fail("values nested more than " + std::to_string(max_depth) + " deep");
        return depth;
    }

  private:
    std::unordered_map<uint64_t, int> memo_;
    std::vector<std::vector<int>> children_{1};  // children_[0]: the leaf, none

    int node(std::vector<int> items = {}) {
        children_.push_back(std::move(items));
        return static_cast<int>(children_.size() - 1);
    }
    void link(int parent, const std::vector<int>& items) {
        if (parent == 0) fail("an item added to a scalar at byte " + std::to_string(pos_));
        auto& c = children_[parent];
        c.insert(c.end(), items.begin(), items.end());
    }
    void remember(uint64_t key) {
        if (key >= b_.size())
            fail("memo index " + std::to_string(key) + " beyond the pickle's " +
                 std::to_string(b_.size()) + " bytes");
        memo_[key] = top();
    }
    void recall(uint64_t key) {
        const auto it = memo_.find(key);
        if (it == memo_.end()) fail("memo key " + std::to_string(key) + " not set");
        push(it->second);
    }
    // The number of containers on the longest path from `root`, iteratively (the graph may be
    // a million deep); stops counting past `limit`. Throws on a cycle.
    std::size_t deepest_path(int root, std::size_t limit) {
        std::vector<std::size_t> depth(children_.size(), 0);  // 0: not finished
        std::vector<char> on_path(children_.size(), 0);
        std::vector<std::pair<int, std::size_t>> path{{root, 0}};  // node, next child
        on_path[root] = 1;
        while (!path.empty()) {
            auto& [id, next] = path.back();
            if (id != 0 && next < children_[id].size()) {
                const int child = children_[id][next++];
                if (child == 0 || depth[child] > 0) continue;
                if (on_path[child]) fail("a reference cycle");
                if (path.size() > limit) return path.size() + 1;
                on_path[child] = 1;
                path.emplace_back(child, 0);
                continue;
            }
            std::size_t deepest = 0;
            if (id != 0)
                for (int child : children_[id]) deepest = std::max(deepest, depth[child]);
            depth[id] = id == 0 ? 0 : deepest + 1;
            on_path[id] = 0;
            path.pop_back();
        }
        return depth[root];
    }
};

}  // namespace

std::size_t check_structure(const std::string& bytes, std::size_t max_depth) {
    return StructureWalk(bytes).run(max_depth);
}

}  // namespace tpgm::pickle
