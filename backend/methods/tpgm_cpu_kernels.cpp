// SPDX-License-Identifier: GPL-3.0-or-later
#include "methods/tpgm_cpu_kernels.h"

#include <ATen/AccumulateType.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <string>

// x86-64 builds target the baseline ISA (SSE2); the row loops are also compiled for AVX2 + FMA
// and picked at run time, as ATen picks its own CPU kernels.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TPGM_AVX2_DISPATCH 1
#endif

namespace tpgm::cpu {
namespace {

constexpr int64_t kElementsPerTask = 32768;  // a task's share of a parallel pass (cache-sized)

// Runs `body(row)` over every row, task by task (RowTable::task_first_row).
template <typename Body>
void for_rows(const RowTable& rows, Body body) {
    const auto& first = rows.task_first_row;
    const auto tasks = static_cast<int64_t>(first.size()) - 1;
    at::parallel_for(0, tasks, 1, [&](int64_t begin, int64_t end) {
        for (int64_t r = first[begin]; r < first[end]; ++r) body(r);
    });
}

#define TPGM_INLINE inline __attribute__((always_inline))

// Sum over c < n of term(c): blocks of kBlock terms, each summed in kLanes independent lanes of
// the element type (a single running sum is a chain of dependent adds the compiler may not
// reorder, which left the row passes latency-bound; lanes vectorise), block sums added in Acc
// (double for float rows) so that long rows keep their precision.
template <typename Acc, typename T, typename Term>
TPGM_INLINE Acc lane_sum(int64_t n, Term term) {
    constexpr int kLanes = 16;
    constexpr int64_t kBlock = 256;
    Acc sum = 0;
    for (int64_t start = 0; start < n; start += kBlock) {
        const int64_t end = std::min(n, start + kBlock);
        T lanes[kLanes] = {};
        int64_t c = start;
        for (; c + kLanes <= end; c += kLanes)
            for (int k = 0; k < kLanes; ++k) lanes[k] += term(c + k);
        T block = 0;
        for (; c < end; ++c) block += term(c);
        for (int k = 0; k < kLanes; ++k) block += lanes[k];
        sum += block;
    }
    return sum;
}

template <typename T>
using Acc = at::acc_type<T, /*is_cuda=*/false>;  // double sums for float rows

// One row's arithmetic on raw pointers, the loops every pass spends its time in.
template <typename T>
struct RowMath {
    // sum |w - w0| (l1) or sum (w - w0)^2 over n elements; writes w - w0 to d when d is given.
    static TPGM_INLINE Acc<T> distance(const T* w, const T* w0, T* d, int64_t n, bool l1) {
        if (d) {
            for (int64_t c = 0; c < n; ++c) d[c] = w[c] - w0[c];
            return l1 ? lane_sum<Acc<T>, T>(n, [&](int64_t c) { return std::abs(d[c]); })
                      : lane_sum<Acc<T>, T>(n, [&](int64_t c) { return d[c] * d[c]; });
        }
        return l1 ? lane_sum<Acc<T>, T>(n, [&](int64_t c) { return std::abs(w[c] - w0[c]); })
                  : lane_sum<Acc<T>, T>(n, [&](int64_t c) {
                        const T dc = w[c] - w0[c];
                        return dc * dc;
                    });
    }
    // w <- w0 + s (w - w0)
    static TPGM_INLINE void shrink(T* w, const T* w0, T s, int64_t n) {
        for (int64_t c = 0; c < n; ++c) w[c] = w0[c] + s * (w[c] - w0[c]);
    }
    // w <- w0 + s d
    static TPGM_INLINE void place(T* w, const T* w0, const T* d, T s, int64_t n) {
        for (int64_t c = 0; c < n; ++c) w[c] = w0[c] + s * d[c];
    }
    // sum g d
    static TPGM_INLINE Acc<T> dot(const T* g, const T* d, int64_t n) {
        return lane_sum<Acc<T>, T>(n, [&](int64_t c) { return g[c] * d[c]; });
    }
};

// RowMath compiled for one instruction set, as plain function pointers.
template <typename T>
struct RowOps {
    Acc<T> (*distance)(const T*, const T*, T*, int64_t, bool);
    void (*shrink)(T*, const T*, T, int64_t);
    void (*place)(T*, const T*, const T*, T, int64_t);
    Acc<T> (*dot)(const T*, const T*, int64_t);
};

// Instantiates RowMath's loops under the given function attributes (an ISA) as RowOps.
#define TPGM_ROW_OPS(NAME, ATTR)                                                         \
    template <typename T>                                                                \
    struct NAME {                                                                        \
        ATTR static Acc<T> distance(const T* w, const T* w0, T* d, int64_t n, bool l1) { \
            return RowMath<T>::distance(w, w0, d, n, l1);                                \
        }                                                                                \
        ATTR static void shrink(T* w, const T* w0, T s, int64_t n) {                     \
            RowMath<T>::shrink(w, w0, s, n);                                             \
        }                                                                                \
        ATTR static void place(T* w, const T* w0, const T* d, T s, int64_t n) {          \
            RowMath<T>::place(w, w0, d, s, n);                                           \
        }                                                                                \
        ATTR static Acc<T> dot(const T* g, const T* d, int64_t n) {                      \
            return RowMath<T>::dot(g, d, n);                                             \
        }                                                                                \
        static RowOps<T> ops() { return {&distance, &shrink, &place, &dot}; }            \
    };

TPGM_ROW_OPS(BaselineRows, )
#ifdef TPGM_AVX2_DISPATCH
TPGM_ROW_OPS(Avx2Rows, __attribute__((target("avx2,fma"))))
#endif

bool avx2_supported() {
#ifdef TPGM_AVX2_DISPATCH
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

// TPGM_CPU_CAPABILITY=baseline forces the baseline loops, as ATEN_CPU_CAPABILITY does ATen's.
std::atomic<bool> force_baseline{[] {
    const char* env = std::getenv("TPGM_CPU_CAPABILITY");
    return env && std::string(env) == "baseline";
}()};

bool use_avx2() {
    return avx2_supported() && !force_baseline;
}

// The fastest RowOps this CPU runs.
template <typename T>
const RowOps<T>& row_ops() {
    static const RowOps<T> baseline = BaselineRows<T>::ops();
#ifdef TPGM_AVX2_DISPATCH
    static const RowOps<T> avx2 = Avx2Rows<T>::ops();
    if (use_avx2()) return avx2;
#endif
    return baseline;
}

}  // namespace

std::vector<int64_t> plan_tasks(const RowTable& rows) {
    // Even row counts per thread left one thread with most of a ResNet's elements (its last
    // stage holds most of them in its last fifth of rows): tasks hold equal element counts.
    const auto count = static_cast<int64_t>(rows.offset.size());
    std::vector<int64_t> first{0};
    int64_t filled = 0;
    for (int64_t r = 0; r < count; ++r) {
        filled += rows.length[r];
        if (filled >= kElementsPerTask || r + 1 == count) {
            first.push_back(r + 1);
            filled = 0;
        }
    }
    return first;
}

std::string row_isa() {
    return use_avx2() ? "avx2" : "baseline";
}

void force_baseline_rows(bool on) {
    force_baseline = on;
}

void measure_rows(const RowTable& rows, bool l1, torch::Tensor& w, const torch::Tensor& w0,
                  torch::Tensor& delta, torch::Tensor& norms, const torch::Tensor& radii) {
    AT_DISPATCH_FLOATING_TYPES(w.scalar_type(), "tpgm_measure_rows", [&] {
        const auto& ops = row_ops<scalar_t>();
        scalar_t* pw = w.data_ptr<scalar_t>();
        const scalar_t* pw0 = w0.data_ptr<scalar_t>();
        scalar_t* pd = delta.defined() ? delta.data_ptr<scalar_t>() : nullptr;
        scalar_t* pn = norms.data_ptr<scalar_t>();
        const scalar_t* pg = radii.defined() ? radii.data_ptr<scalar_t>() : nullptr;
        const auto eps = static_cast<scalar_t>(TpgmProjector::kEps);
        for_rows(rows, [&](int64_t r) {
            const int64_t begin = rows.offset[r], cols = rows.length[r];
            const auto sum =
                ops.distance(pw + begin, pw0 + begin, pd ? pd + begin : nullptr, cols, l1);
            const auto n = static_cast<scalar_t>(l1 ? sum : std::sqrt(sum));
            pn[r] = n;
            if (!pg) return;
            const scalar_t g = pg[rows.tensor[r]];
            if (n <= g) return;  // inside the ball: scale g/(n+eps) >= 1 - eps/(n+eps), left alone
            ops.shrink(pw + begin, pw0 + begin, g / (n + eps), cols);
        });
    });
}

void project_rows(const RowTable& rows, torch::Tensor& w, const torch::Tensor& w0,
                  const torch::Tensor& delta, const torch::Tensor& scale) {
    AT_DISPATCH_FLOATING_TYPES(w.scalar_type(), "tpgm_project_rows", [&] {
        const auto& ops = row_ops<scalar_t>();
        scalar_t* pw = w.data_ptr<scalar_t>();
        const scalar_t* pw0 = w0.data_ptr<scalar_t>();
        const scalar_t* pd = delta.data_ptr<scalar_t>();
        const scalar_t* ps = scale.data_ptr<scalar_t>();
        for_rows(rows, [&](int64_t r) {
            const int64_t begin = rows.offset[r];
            ops.place(pw + begin, pw0 + begin, pd + begin, ps[r], rows.length[r]);
        });
    });
}

torch::Tensor row_dots(const RowTable& rows, const std::vector<torch::Tensor>& grads,
                       const torch::Tensor& delta) {
    auto out = torch::zeros({static_cast<int64_t>(rows.offset.size())}, delta.options());
    std::vector<torch::Tensor> contiguous(grads.size());
    for (std::size_t i = 0; i < grads.size(); ++i)
        if (grads[i].defined()) contiguous[i] = grads[i].contiguous();
    AT_DISPATCH_FLOATING_TYPES(delta.scalar_type(), "tpgm_row_dots", [&] {
        const auto& ops = row_ops<scalar_t>();
        const scalar_t* pd = delta.data_ptr<scalar_t>();
        scalar_t* po = out.data_ptr<scalar_t>();
        std::vector<const scalar_t*> pg(contiguous.size(), nullptr);
        for (std::size_t i = 0; i < contiguous.size(); ++i)
            if (contiguous[i].defined()) pg[i] = contiguous[i].data_ptr<scalar_t>();
        for_rows(rows, [&](int64_t r) {
            const int64_t t = rows.tensor[r];
            if (!pg[t]) return;
            // The row's place inside its own tensor's gradient.
            const int64_t inside = rows.offset[r] - rows.offset[rows.first_row[t]];
            po[r] =
                static_cast<scalar_t>(ops.dot(pg[t] + inside, pd + rows.offset[r], rows.length[r]));
        });
    });
    return out;
}

}  // namespace tpgm::cpu
