// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/data_parallel.h"

#include "config/config_schema.h"
#include "engine/runtime.h"

#ifdef TPGM_HAVE_GLOO
// c10d's headers hide their Gloo parts behind these; only this file sees them.
#define USE_C10D_GLOO
#define USE_DISTRIBUTED
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

#include <torch/torch.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <set>

namespace tpgm {
namespace {

constexpr int kGlooThreads = 2;  // Gloo workers: two buckets in flight at once

// The integer in environment variable `name`, or `fallback` when it is unset.
int env_int(const char* name, int fallback) {
    const char* text = std::getenv(name);
    if (!text || !*text) return fallback;
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (*end != '\0' || value < 0 || value > 1 << 20)
        throw ConfigError(std::string("environment variable ") + name + "='" + text +
                          "' is not a non-negative integer");
    return static_cast<int>(value);
}

using Clock = std::chrono::steady_clock;

}  // namespace

ProcessPlace process_place_from_environment() {
    ProcessPlace place;
    place.world_size = env_int("WORLD_SIZE", 1);
    if (place.world_size == 0) throw ConfigError("environment variable WORLD_SIZE is 0");
    place.rank = env_int("RANK", -1);
    if (place.rank < 0) {
        if (place.world_size > 1)
            throw ConfigError("WORLD_SIZE=" + std::to_string(place.world_size) +
                              " is set but RANK is not; a data-parallel launcher sets both");
        place.rank = 0;
    }
    if (place.rank >= place.world_size)
        throw ConfigError("RANK=" + std::to_string(place.rank) +
                          " must be below WORLD_SIZE=" + std::to_string(place.world_size));
    place.local_rank = env_int("LOCAL_RANK", place.rank);
    place.local_world_size = env_int("LOCAL_WORLD_SIZE", place.world_size);
    if (const char* addr = std::getenv("MASTER_ADDR"); addr && *addr) place.master_addr = addr;
    place.master_port = env_int("MASTER_PORT", place.master_port);
    if (place.world_size > 1 && (place.master_port == 0 || place.master_port > 65535))
        throw ConfigError("MASTER_PORT=" + std::to_string(place.master_port) +
                          " is not a TCP port");
    return place;
}

#ifdef TPGM_HAVE_GLOO

bool data_parallel_available() {
    return true;
}

// A parameter's place in the gradient buckets.
struct Slot {
    torch::Tensor param;
    std::size_t bucket = 0;
    int64_t offset = 0;
    bool filled = false;
};

// One flat buffer of gradients, all-reduced as soon as every gradient in it has arrived.
struct Bucket {
    torch::Tensor buffer;
    std::vector<std::size_t> slots;
    std::size_t pending = 0;
    c10::intrusive_ptr<c10d::Work> work;
};

// What the gradient hooks share with the trainer's thread (the hooks may outlive the group).
struct GradientState {
    std::mutex mutex;
    bool armed = false;
    double weight = 1;
    std::vector<Slot> slots;
    std::vector<Bucket> buckets;
    std::map<const void*, std::size_t> slot_of;  // by TensorImpl
    c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

struct DataParallel::Impl {
    std::chrono::milliseconds timeout;
    int64_t bucket_bytes = 0;
    c10::intrusive_ptr<c10d::TCPStore> store;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
    std::shared_ptr<GradientState> grads = std::make_shared<GradientState>();
    std::set<const void*> hooked;  // parameters (TensorImpl) that carry our hook
    double waited = 0;

    // Waits for `work`, counting the time; a failure becomes a DistributedError naming `what`.
    void wait(const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
        const auto start = Clock::now();
        try {
            work->wait();
        } catch (const std::exception& e) {
            throw DistributedError(
                std::string(what) +
                " failed: another process died, or did not answer within dist.timeout_s = " +
                std::to_string(timeout.count() / 1000) + " s (" + error_message(e) + ")");
        }
        waited += std::chrono::duration<double>(Clock::now() - start).count();
    }
};

DataParallel::DataParallel(const ProcessPlace& place, std::chrono::milliseconds timeout,
                           int64_t bucket_bytes)
    : place_(place), impl_(std::make_unique<Impl>()) {
    impl_->timeout = timeout;
    impl_->bucket_bytes = bucket_bytes;
    const std::string where = place.master_addr + ":" + std::to_string(place.master_port);
    try {
        c10d::TCPStoreOptions options;
        options.port = static_cast<uint16_t>(place.master_port);
        options.isServer = place.rank == 0;
        options.numWorkers = place.world_size;
        options.waitWorkers = true;
        options.timeout = timeout;
        impl_->store = c10::make_intrusive<c10d::TCPStore>(place.master_addr, options);
        auto gloo = c10d::ProcessGroupGloo::Options::create(timeout);
        const bool loopback = place.master_addr == "127.0.0.1" ||
                              place.master_addr == "localhost" || place.master_addr == "::1";
        const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
        gloo->devices.push_back(
            loopback    ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
            : interface ? c10d::ProcessGroupGloo::createDeviceForInterface(interface)
                        : c10d::ProcessGroupGloo::createDefaultDevice());
        gloo->threads = kGlooThreads;
        impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, place.rank,
                                                                   place.world_size, gloo);
    } catch (const std::exception& e) {
        throw DistributedError(
            "rank " + std::to_string(place.rank) + " of " + std::to_string(place.world_size) +
            ": the rendezvous at " + where + " failed within dist.timeout_s = " +
            std::to_string(timeout.count() / 1000) + " s (" + error_message(e) + ")");
    }
    impl_->grads->group = impl_->group;
}

DataParallel::~DataParallel() = default;

std::vector<double> DataParallel::sum(std::vector<double> values, const char* what) {
    std::vector<torch::Tensor> t{torch::tensor(values, torch::kFloat64)};
    impl_->wait(impl_->group->allreduce(t), what);
    auto acc = t[0].accessor<double, 1>();
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = acc[static_cast<int64_t>(i)];
    return values;
}

void DataParallel::broadcast_from_rank0(const std::vector<torch::Tensor>& tensors,
                                        const char* what) {
    torch::NoGradGuard no_grad;
    // One flat message per dtype and device: a ResNet's BatchNorm buffers are a hundred tiny
    // tensors, which would cost a round trip each.
    std::map<std::pair<int, std::string>, std::vector<torch::Tensor>> groups;
    for (const auto& t : tensors)
        groups[{static_cast<int>(t.scalar_type()), t.device().str()}].push_back(t);
    for (auto& group : groups) {
        std::vector<torch::Tensor>& members = group.second;
        std::vector<torch::Tensor> flat{torch::cat([&] {
            std::vector<torch::Tensor> parts;
            for (const auto& t : members) parts.push_back(t.reshape(-1));
            return parts;
        }())};
        impl_->wait(impl_->group->broadcast(flat), what);
        int64_t at = 0;
        for (auto& t : members) {
            t.copy_(flat[0].narrow(0, at, t.numel()).view_as(t));
            at += t.numel();
        }
    }
}

torch::Tensor DataParallel::weighted_average(const torch::Tensor& t, double weight,
                                             const char* what) {
    // The weight travels in the same message as its last element.
    std::vector<torch::Tensor> buf{
        torch::cat({t.detach().reshape(-1) * weight, torch::full({1}, weight, t.options())})};
    impl_->wait(impl_->group->allreduce(buf), what);
    const auto total = buf[0][-1];
    // A tensor of its own, not a view: optimisers detach gradients in place.
    return buf[0].narrow(0, 0, t.numel()).view_as(t).div(total.clamp_min(1e-30));
}

void DataParallel::watch_gradients(const std::vector<torch::Tensor>& parameters) {
    auto& g = *impl_->grads;
    std::lock_guard<std::mutex> lock(g.mutex);
    g.slots.clear();
    g.buckets.clear();
    g.slot_of.clear();
    // Reverse order: the backward pass produces the last layers' gradients first. A bucket
    // holds one dtype on one device, at most bucket_bytes (or one larger tensor).
    std::vector<int64_t> sizes;
    for (auto it = parameters.rbegin(); it != parameters.rend(); ++it) {
        const torch::Tensor& p = *it;
        const Slot* last = g.slots.empty() ? nullptr : &g.slots.back();
        if (!last || (sizes.back() + p.numel()) * p.element_size() > impl_->bucket_bytes ||
            last->param.scalar_type() != p.scalar_type() || last->param.device() != p.device()) {
            g.buckets.emplace_back();
            sizes.push_back(0);
        }
        g.slot_of[p.unsafeGetTensorImpl()] = g.slots.size();
        g.buckets.back().slots.push_back(g.slots.size());
        g.slots.push_back({p, g.buckets.size() - 1, sizes.back(), false});
        sizes.back() += p.numel();
    }
    for (std::size_t b = 0; b < g.buckets.size(); ++b)
        g.buckets[b].buffer = torch::zeros(
            {sizes[b]}, g.slots[g.buckets[b].slots.front()].param.options().requires_grad(false));
    std::weak_ptr<GradientState> state = impl_->grads;
    for (const auto& p : parameters) {
        const void* key = p.unsafeGetTensorImpl();
        if (!impl_->hooked.insert(key).second) continue;
        p.register_hook([state, key](const torch::Tensor& grad) {
            auto s = state.lock();
            if (!s) return;
            std::lock_guard<std::mutex> lock(s->mutex);
            auto found = s->slot_of.find(key);
            if (!s->armed || found == s->slot_of.end()) return;
            Slot& slot = s->slots[found->second];
            Bucket& b = s->buckets[slot.bucket];
            b.buffer.narrow(0, slot.offset, grad.numel()).copy_(grad.reshape(-1)).mul_(s->weight);
            slot.filled = true;
            if (--b.pending == 0) {
                std::vector<torch::Tensor> message{b.buffer};
                b.work = s->group->allreduce(message);
            }
        });
    }
}

void DataParallel::begin_backward(double weight) {
    auto& g = *impl_->grads;
    std::lock_guard<std::mutex> lock(g.mutex);
    g.armed = true;
    g.weight = weight;
    for (auto& s : g.slots) s.filled = false;
    for (auto& b : g.buckets) {
        b.pending = b.slots.size();
        b.work.reset();
    }
}

void DataParallel::finish_backward(double total) {
    auto& g = *impl_->grads;
    std::unique_lock<std::mutex> lock(g.mutex);
    g.armed = false;
    // Parameters that got no gradient here (unused by this rank's batch) send zeros.
    for (auto& b : g.buckets) {
        if (b.work) continue;
        for (std::size_t i : b.slots)
            if (!g.slots[i].filled)
                b.buffer.narrow(0, g.slots[i].offset, g.slots[i].param.numel()).zero_();
        std::vector<torch::Tensor> message{b.buffer};
        b.work = g.group->allreduce(message);
    }
    lock.unlock();
    for (auto& b : g.buckets) impl_->wait(b.work, "the gradient all-reduce");
    torch::NoGradGuard no_grad;
    for (auto& s : g.slots) {
        auto average = g.buckets[s.bucket].buffer.narrow(0, s.offset, s.param.numel());
        if (s.param.grad().defined())
            s.param.mutable_grad().copy_(average.view_as(s.param)).div_(total);
        else
            s.param.mutable_grad() = average.view_as(s.param).div(total);
    }
}

void DataParallel::check_replicas(const std::vector<std::pair<std::string, torch::Tensor>>& named) {
    // A position-weighted sum of each tensor's bytes: any changed byte changes it (almost surely)
    // and one int64 per tensor travels.
    std::vector<int64_t> sums;
    for (const auto& [name, t] : named) {
        auto bytes = t.detach().contiguous().reshape(-1).view(torch::kUInt8).to(torch::kInt64);
        auto weights = torch::arange(bytes.numel(), bytes.options()).remainder_(65521).add_(1);
        sums.push_back(bytes.mul_(weights).sum().item<int64_t>());
    }
    std::vector<torch::Tensor> mine{torch::tensor(sums, torch::kInt64)};
    std::vector<torch::Tensor> theirs{mine[0].clone()};
    impl_->wait(impl_->group->broadcast(theirs), "the replica check");
    for (std::size_t i = 0; i < named.size(); ++i)
        if (theirs[0][static_cast<int64_t>(i)].item<int64_t>() != sums[i])
            throw DistributedError("'" + named[i].first +
                                   "' differs from rank 0's: the replicas diverged");
}

double DataParallel::communication_seconds() const {
    return impl_->waited;
}

std::shared_ptr<ProcessSum> DataParallel::process_sum() {
    // SyncBatchNorm's statistics (forward) and their gradients (backward).
    class GlooSum final : public ProcessSum {
      public:
        explicit GlooSum(Impl& impl) : impl_(impl) {}
        torch::Tensor sum(const torch::Tensor& t) override {
            std::vector<torch::Tensor> message{t.contiguous()};
            impl_.wait(impl_.group->allreduce(message), "the SyncBatchNorm all-reduce");
            return message[0];
        }

      private:
        Impl& impl_;
    };
    return std::make_shared<GlooSum>(*impl_);
}

#else  // no Gloo in this build: one process only

bool data_parallel_available() {
    return false;
}

struct DataParallel::Impl {};

DataParallel::DataParallel(const ProcessPlace& place, std::chrono::milliseconds) : place_(place) {
    throw ConfigError(
        "WORLD_SIZE=" + std::to_string(place.world_size) +
        " asks for data-parallel training, but this build has no c10d backend (install "
        "libgloo-dev and rebuild)");
}
DataParallel::~DataParallel() = default;
std::vector<double> DataParallel::sum(std::vector<double> values, const char*) {
    return values;
}
void DataParallel::broadcast_from_rank0(const std::vector<torch::Tensor>&, const char*) {}
torch::Tensor DataParallel::weighted_average(const torch::Tensor& t, double, const char*) {
    return t;
}
void DataParallel::watch_gradients(const std::vector<torch::Tensor>&) {}
void DataParallel::begin_backward(double) {}
void DataParallel::finish_backward(double) {}
void DataParallel::check_replicas(const std::vector<std::pair<std::string, torch::Tensor>>&) {}
double DataParallel::communication_seconds() const {
    return 0;
}
std::shared_ptr<ProcessSum> DataParallel::process_sum() {
    return nullptr;
}

#endif

}  // namespace tpgm
