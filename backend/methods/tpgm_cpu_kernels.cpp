// SPDX-License-Identifier: GPL-3.0-or-later
#include "methods/tpgm_cpu_kernels.h"

#include <ATen/AccumulateType.h>
#include <ATen/Parallel.h>

#include <cmath>

namespace tpgm::cpu {
namespace {

constexpr int64_t kElementsPerTask = 32768;  // a task's share of a parallel pass (cache-sized)

// Runs `body(row)` over every row, rows split so that each task touches about kElementsPerTask.
template <typename Body>
void for_rows(const RowTable& rows, Body body) {
    const auto count = static_cast<int64_t>(rows.offset.size());
    if (count == 0) return;
    const int64_t total = rows.offset.back() + rows.length.back();
    const int64_t grain =
        std::max<int64_t>(1, kElementsPerTask * count / std::max<int64_t>(1, total));
    at::parallel_for(0, count, grain, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) body(r);
    });
}

// sum over c < n of term(c), in kLanes independent partial sums: a single running sum is a
// chain of dependent adds the compiler may not reorder (strict floating point), which left the
// row passes latency-bound; independent lanes vectorise.
template <typename T, typename Term>
T lane_sum(int64_t n, Term term) {
    constexpr int kLanes = 16;
    T lanes[kLanes] = {};
    int64_t c = 0;
    for (; c + kLanes <= n; c += kLanes)
        for (int k = 0; k < kLanes; ++k) lanes[k] += term(c + k);
    T sum = 0;
    for (; c < n; ++c) sum += term(c);
    for (int k = 0; k < kLanes; ++k) sum += lanes[k];
    return sum;
}

}  // namespace

void measure_rows(const RowTable& rows, bool l1, torch::Tensor& w, const torch::Tensor& w0,
                  torch::Tensor& delta, torch::Tensor& norms, const torch::Tensor& radii) {
    AT_DISPATCH_FLOATING_TYPES(w.scalar_type(), "tpgm_measure_rows", [&] {
        using acc_t = at::acc_type<scalar_t, /*is_cuda=*/false>;  // double sums for float rows
        scalar_t* pw = w.data_ptr<scalar_t>();
        const scalar_t* pw0 = w0.data_ptr<scalar_t>();
        scalar_t* pd = delta.defined() ? delta.data_ptr<scalar_t>() : nullptr;
        scalar_t* pn = norms.data_ptr<scalar_t>();
        const scalar_t* pg = radii.defined() ? radii.data_ptr<scalar_t>() : nullptr;
        const auto eps = static_cast<scalar_t>(TpgmProjector::kEps);
        for_rows(rows, [&](int64_t r) {
            const int64_t begin = rows.offset[r], cols = rows.length[r];
            scalar_t* a = pw + begin;
            const scalar_t* a0 = pw0 + begin;
            acc_t sum = 0;
            if (pd) {
                scalar_t* d = pd + begin;
                for (int64_t c = 0; c < cols; ++c) d[c] = a[c] - a0[c];
                sum = l1 ? lane_sum<acc_t>(cols, [&](int64_t c) { return std::abs(d[c]); })
                         : lane_sum<acc_t>(cols, [&](int64_t c) { return d[c] * d[c]; });
            } else {
                sum = l1 ? lane_sum<acc_t>(cols, [&](int64_t c) { return std::abs(a[c] - a0[c]); })
                         : lane_sum<acc_t>(cols, [&](int64_t c) {
                               const scalar_t d = a[c] - a0[c];
                               return d * d;
                           });
            }
            const auto n = static_cast<scalar_t>(l1 ? sum : std::sqrt(sum));
            pn[r] = n;
            if (!pg) return;
            const scalar_t g = pg[rows.tensor[r]];
            if (n <= g) return;  // inside the ball: scale g/(n+eps) >= 1 - eps/(n+eps), left alone
            const scalar_t s = g / (n + eps);
            for (int64_t c = 0; c < cols; ++c) a[c] = a0[c] + s * (a[c] - a0[c]);
        });
    });
}

void project_rows(const RowTable& rows, torch::Tensor& w, const torch::Tensor& w0,
                  const torch::Tensor& delta, const torch::Tensor& scale) {
    AT_DISPATCH_FLOATING_TYPES(w.scalar_type(), "tpgm_project_rows", [&] {
        scalar_t* pw = w.data_ptr<scalar_t>();
        const scalar_t* pw0 = w0.data_ptr<scalar_t>();
        const scalar_t* pd = delta.data_ptr<scalar_t>();
        const scalar_t* ps = scale.data_ptr<scalar_t>();
        for_rows(rows, [&](int64_t r) {
            const int64_t begin = rows.offset[r], cols = rows.length[r];
            const scalar_t s = ps[r];
            for (int64_t c = begin; c < begin + cols; ++c) pw[c] = pw0[c] + s * pd[c];
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
        using acc_t = at::acc_type<scalar_t, /*is_cuda=*/false>;
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
            const scalar_t* g = pg[t] + inside;
            const scalar_t* d = pd + rows.offset[r];
            po[r] = static_cast<scalar_t>(
                lane_sum<acc_t>(rows.length[r], [&](int64_t c) { return acc_t(g[c]) * d[c]; }));
        });
    });
    return out;
}

}  // namespace tpgm::cpu
