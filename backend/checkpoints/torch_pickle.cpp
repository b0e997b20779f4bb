// SPDX-License-Identifier: GPL-3.0-or-later
#include "checkpoints/torch_pickle.h"

#include "checkpoints/pickle_cursor.h"

#include <torch/torch.h>

#include <cstring>
#include <map>
#include <stdexcept>
#include <unordered_map>

namespace tpgm::pickle {
namespace {

using Kind = Node::Kind;

using detail::fail;
using detail::PickleCursor;

class Machine : PickleCursor<Node*> {
  public:
    Machine(const std::string& bytes, Arena& arena, const StorageLoader& load)
        : PickleCursor(bytes), arena_(arena), load_(load) {}

    Node* run() {
        while (true) {
            const uint8_t op = byte();
            switch (op) {
                case 0x80:
                    byte();
                    break;  // PROTO
                case 0x95:
                    take(8);
                    break;  // FRAME
                case '.':
                    return finish();  // STOP
                case '(':
                    marks_.push_back(stack_.size());
                    break;  // MARK
                case 'N':
                    push(arena_.make(Kind::None));
                    break;
                case 0x88:
                    push(boolean(true));
                    break;  // NEWTRUE
                case 0x89:
                    push(boolean(false));
                    break;  // NEWFALSE
                case 'J':
                    push(integer(le_signed(4)));
                    break;  // BININT
                case 'K':
                    push(integer(le_unsigned(1)));
                    break;  // BININT1
                case 'M':
                    push(integer(le_unsigned(2)));
                    break;  // BININT2
                case 0x8a:
                    push(integer(long1(byte())));
                    break;  // LONG1
                case 0x8b:
                    push(integer(long1(le_unsigned(4))));
                    break;  // LONG4
                case 'G':
                    push(binfloat());
                    break;  // BINFLOAT
                case 'X':
                    push(text(Kind::Str, le_unsigned(4)));
                    break;  // BINUNICODE
                case 0x8c:
                    push(text(Kind::Str, byte()));
                    break;  // SHORT_BINUNICODE
                case 0x8d:
                    push(text(Kind::Str, le_unsigned(8)));
                    break;  // BINUNICODE8
                case 'T':
                    push(text(Kind::Str, le_unsigned(4)));
                    break;  // BINSTRING
                case 'U':
                    push(text(Kind::Str, byte()));
                    break;  // SHORT_BINSTRING
                case 'B':
                    push(text(Kind::Bytes, le_unsigned(4)));
                    break;  // BINBYTES
                case 'C':
                    push(text(Kind::Bytes, byte()));
                    break;  // SHORT_BINBYTES
                case 0x8e:
                    push(text(Kind::Bytes, le_unsigned(8)));
                    break;  // BINBYTES8
                case ')':
                    push(arena_.make(Kind::Tuple));
                    break;  // EMPTY_TUPLE
                case ']':
                    push(arena_.make(Kind::List));
                    break;  // EMPTY_LIST
                case '}':
                    push(arena_.make(Kind::Dict));
                    break;  // EMPTY_DICT
                case 't':
                    push(tuple(pop_mark()));
                    break;  // TUPLE
                case 0x85:
                    push(tuple(pop_n(1)));
                    break;  // TUPLE1
                case 0x86:
                    push(tuple(pop_n(2)));
                    break;  // TUPLE2
                case 0x87:
                    push(tuple(pop_n(3)));
                    break;  // TUPLE3
                case 'l': {
                    auto l = tuple(pop_mark());
                    l->kind = Kind::List;
                    push(l);
                    break;
                }
                case 'd': {
                    auto d = arena_.make(Kind::Dict);
                    set_items(d, pop_mark());
                    push(d);
                    break;
                }
                case 'a': {
                    Node* v = pop();
                    append(top(), {v});
                    break;
                }  // APPEND
                case 'e': {
                    auto v = pop_mark();
                    append(top(), v);
                    break;
                }  // APPENDS
                case 's': {
                    auto kv = pop_n(2);
                    set_items(top(), kv);
                    break;
                }  // SETITEM
                case 'u': {
                    auto kv = pop_mark();
                    set_items(top(), kv);
                    break;
                }  // SETITEMS
                case '0':
                    pop();
                    break;  // POP
                case '1':
                    pop_mark();
                    break;  // POP_MARK
                case '2':
                    push(top());
                    break;  // DUP
                case 'q':
                    memo_[le_unsigned(1)] = top();
                    break;  // BINPUT
                case 'r':
                    memo_[le_unsigned(4)] = top();
                    break;  // LONG_BINPUT
                case 0x94: {
                    const uint64_t k = memo_.size();
                    memo_[k] = top();
                    break;
                }  // MEMOIZE
                case 'h':
                    push(memo(le_unsigned(1)));
                    break;  // BINGET
                case 'j':
                    push(memo(le_unsigned(4)));
                    break;   // LONG_BINGET
                case 'c': {  // GLOBAL
                    const std::string module = line();
                    push(global(module + "." + line()));
                    break;
                }
                case 0x93: {  // STACK_GLOBAL
                    auto mn = pop_n(2);
                    if (mn[0]->kind != Kind::Str || mn[1]->kind != Kind::Str)
                        fail("bad STACK_GLOBAL");
                    push(global(mn[0]->s + "." + mn[1]->s));
                    break;
                }
                case 'Q':
                    push(persistent(pop()));
                    break;   // BINPERSID
                case 'R': {  // REDUCE
                    Node* args = pop();
                    Node* fn = pop();
                    push(reduce(fn, args));
                    break;
                }
                case 0x81: {  // NEWOBJ
                    Node* args = pop();
                    Node* cls = pop();
                    push(reduce(cls, args));
                    break;
                }
                case 0x92: {  // NEWOBJ_EX (cls, args, kwargs)
                    auto cak = pop_n(3);
                    push(reduce(cak[0], cak[1]));
                    break;
                }
                case 0x8f:
                    push(arena_.make(Kind::List));
                    break;    // EMPTY_SET (kept as a list)
                case 0x90: {  // ADDITEMS
                    auto v = pop_mark();
                    append(top(), v);
                    break;
                }
                case 0x91: {  // FROZENSET
                    auto l = tuple(pop_mark());
                    l->kind = Kind::List;
                    push(l);
                    break;
                }
                case 'b': {  // BUILD: state is not needed
                    pop();
                    top();
                    break;
                }
                default: {
                    char hex[8];
                    std::snprintf(hex, sizeof hex, "0x%02x", op);
                    fail(std::string("unsupported opcode ") + hex + " at byte " +
                         std::to_string(pos_ - 1));
                }
            }
        }
    }

  private:
    Arena& arena_;
    const StorageLoader& load_;
    std::unordered_map<uint64_t, Node*> memo_;
    std::map<std::string, Node*> storages_;

    int64_t le_signed(int n) {
        const uint64_t v = le_unsigned(n);
        const int shift = 64 - 8 * n;
        return static_cast<int64_t>(v << shift) >> shift;
    }
    int64_t long1(uint64_t n) {
        if (n == 0) return 0;
        if (n > 8) fail("integer wider than 64 bits");
        return le_signed(static_cast<int>(n));
    }
    Node* boolean(bool v) {
        Node* n = arena_.make(Kind::Bool);
        n->i = v;
        return n;
    }
    Node* integer(int64_t v) {
        Node* n = arena_.make(Kind::Int);
        n->i = v;
        return n;
    }
    Node* binfloat() {
        const auto* p = reinterpret_cast<const uint8_t*>(take(8));
        uint64_t bits = 0;
        for (int k = 0; k < 8; ++k) bits = (bits << 8) | p[k];  // big-endian
        Node* n = arena_.make(Kind::Float);
        std::memcpy(&n->f, &bits, 8);
        return n;
    }
    Node* text(Kind kind, uint64_t n) {
        Node* node = arena_.make(kind);
        const char* p = take(n);
        node->s.assign(p, n);
        return node;
    }
    Node* memo(uint64_t key) {
        auto it = memo_.find(key);
        if (it == memo_.end()) fail("memo key " + std::to_string(key) + " not set");
        return it->second;
    }
    Node* tuple(std::vector<Node*> items) {
        Node* n = arena_.make(Kind::Tuple);
        n->items = std::move(items);
        return n;
    }
    void append(Node* list, const std::vector<Node*>& v) {
        if (list->kind == Kind::Object) return;  // e.g. a custom list subclass: not needed
        if (list->kind != Kind::List) fail("APPEND to a non-list");
        list->items.insert(list->items.end(), v.begin(), v.end());
    }
    void set_items(Node* dict, const std::vector<Node*>& kv) {
        if (kv.size() % 2) fail("odd number of items in SETITEMS");
        if (dict->kind == Kind::Object) return;
        if (dict->kind != Kind::Dict) fail("SETITEMS on a non-dict");
        for (std::size_t k = 0; k < kv.size(); k += 2) {
            dict->items.push_back(kv[k]);
            dict->values.push_back(kv[k + 1]);
        }
    }
    Node* global(const std::string& name) {
        Node* n = arena_.make(Kind::Global);
        n->s = name;
        return n;
    }
    Node* persistent(Node* pid) { return detail::load_storage(arena_, pid, load_, storages_); }
    Node* reduce(Node* fn, Node* args) { return detail::reduce_global(arena_, fn, args); }
};

}  // namespace

Node* Node::get(const std::string& key) const {
    if (kind != Kind::Dict) return nullptr;
    for (std::size_t k = 0; k < items.size(); ++k)
        if (items[k]->kind == Kind::Str && items[k]->s == key) return values[k];
    return nullptr;
}

Node* Arena::make(Node::Kind kind) {
    nodes_.push_back(std::make_unique<Node>());
    nodes_.back()->kind = kind;
    return nodes_.back().get();
}

Node* unpickle(const std::string& bytes, Arena& arena, const StorageLoader& load_storage) {
    return Machine(bytes, arena, load_storage).run();
}

}  // namespace tpgm::pickle
