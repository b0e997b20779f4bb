// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/step_benchmark.h"

#include "config/model_names.h"
#include "config/run_config.h"
#include "data/batch_stream.h"
#include "engine/runtime.h"
#include "methods/method.h"
#include "methods/tpgm_cpu_kernels.h"
#include "methods/tpgm_projector.h"
#include "models/registry.h"
#include "optim/optim.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <string>

namespace tpgm {
namespace {

// The process's peak resident set in MiB (Linux VmHWM); 0 where unknown.
double peak_rss_mb() {
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024;  // kB
    return 0;
}

// The TPGM config the benchmarks time: the given norm, a small learning rate that keeps
// random-label steps from degenerating the model while it is timed.
RunConfig bench_config(const StepBenchOptions& o) {
    RunConfig config;
    config.method = "tpgm";
    config.tpgm.norm = o.norm;
    config.optim.lr = 1e-3;
    return config;
}

// As the trainer sets a method up: every parameter but the head anchored at its current value.
MethodContext anchored_context(Classifier& model, std::function<Batch()> projection_batch) {
    MethodContext ctx;
    ctx.model = &model;
    for (const auto& p : model.named_parameters())
        if (p.key().rfind(model.head_prefix(), 0) != 0)
            ctx.anchors.emplace_back(p.key(), p.value().detach().clone());
    ctx.next_projection_batch = std::move(projection_batch);
    return ctx;
}

// Random labels of the model's task: a class per image, or per pixel for a segmentation model.
torch::Tensor random_labels(const StepBenchOptions& o, const torch::Device& device) {
    const auto options = torch::TensorOptions().dtype(torch::kLong).device(device);
    if (is_segmentation_model(o.model))
        return torch::randint(0, 10, {o.batch, o.image_size, o.image_size}, options);
    return torch::randint(0, 10, {o.batch}, options);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

// Wall seconds per call of f over `calls` calls; on a GPU, after the queued work has finished.
template <typename F>
double seconds_per_call(bool cuda, int calls, F&& f) {
    if (cuda) torch::cuda::synchronize();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) f(i);
    if (cuda) torch::cuda::synchronize();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / calls;
}

// Median seconds per copy of the anchored weights laid out as one buffer, as the projector holds
// them, each copy after a training step (`step`) as TPGM's passes come: the memory floor of one
// pass over the constrained weights once the step has moved them out of the caches.
double weight_copy_seconds(const MethodContext& ctx, const StepBenchOptions& o, bool cuda,
                           const std::function<void()>& step) {
    std::vector<torch::Tensor> parts;
    for (const auto& [name, anchor] : ctx.anchors) parts.push_back(anchor.reshape(-1));
    const auto flat = torch::cat(parts), copy = torch::empty_like(flat);
    std::vector<double> seconds;
    for (int i = 0; i < o.window_steps; ++i) {
        step();
        seconds.push_back(seconds_per_call(cuda, 1, [&](int) { copy.copy_(flat); }));
    }
    return median(seconds);
}

// Median seconds of a radius update's own work (measuring, the radius gradient and step, the
// projections), each taken after a training step (`step`) as in TPGM's schedule and paired
// within it: update() minus the forward/backward (`forward_backward`) it calls. Differences of
// whole-step medians drift with a shared machine's load; a pair does not.
double update_work_seconds(Classifier& model, const MethodContext& ctx, const RunConfig& config,
                           const StepBenchOptions& o, bool cuda, const std::function<void()>& step,
                           const std::function<void()>& forward_backward) {
    std::vector<ConstrainedTensor> tensors;
    const auto params = model.named_parameters();
    for (const auto& [name, anchor] : ctx.anchors)
        tensors.push_back({name, params[name], anchor.clone()});
    TpgmProjector projector(std::move(tensors), norm_mode_from_name(config.tpgm.norm),
                            config.tpgm.proj_lr);
    projector.apply();  // re-seats the weights into its buffer, initialises the radii
    std::vector<double> seconds;
    for (int i = 0; i < o.windows * o.window_steps; ++i) {
        step();
        double inner = 0;
        const double whole = seconds_per_call(cuda, 1, [&](int) {
            projector.update(
                1, [&] { inner = seconds_per_call(cuda, 1, [&](int) { forward_backward(); }); });
        });
        seconds.push_back(whole - inner);
    }
    return median(seconds);
}

}  // namespace

StepBenchResult run_step_benchmark(const StepBenchOptions& o) {
    set_threads(o.threads);
    const auto device = resolve_device(o.device);
    torch::manual_seed(0);
    StepBenchResult r;
    r.device = describe_device(device);
    r.cuda = device.is_cuda();
    auto model = create_model({o.model, 10, 3, 16});
    model->to(device);
    auto x = torch::randn({o.batch, 3, o.image_size, o.image_size}, device);
    auto y = random_labels(o, device);
    auto xp = torch::randn_like(x);

    RunConfig config = bench_config(o);
    MethodContext ctx = anchored_context(*model, [&] { return Batch{xp, y}; });
    // Every timed window starts again from the same weights.
    auto optimizer = make_optimizer(config.optim, model->parameters());
    std::vector<torch::Tensor> initial;
    for (const auto& t : model->parameters()) initial.push_back(t.detach().clone());
    auto restore = [&] {
        torch::NoGradGuard no_grad;
        auto params = model->parameters();
        for (std::size_t i = 0; i < params.size(); ++i) params[i].copy_(initial[i]);
    };

    auto sgd_step = [&] {
        model->train();
        optimizer->zero_grad();
        training_loss(model->forward(x), y).backward();
        optimizer->step();
    };
    auto floor_pass = [&] {
        model->eval();
        model->zero_grad();
        training_loss(model->forward(xp), y).backward();
    };
    auto make_tpgm = [&](int freq) {
        config.tpgm.proj_freq = freq;
        MethodContext own = ctx;  // anchors of its own: each method re-seats them in its buffer
        for (auto& [name, anchor] : own.anchors) anchor = anchor.clone();
        return create_method(config, own);
    };
    // Each method re-seats the parameters into its own flat buffer; switching methods moves
    // them back (a copy), so every timed window starts with one untimed step of its method.
    auto tpgm1 = make_tpgm(1), tpgm10 = make_tpgm(10);
    r.constrained = static_cast<int>(ctx.anchors.size());
    int64_t constrained_bytes = 0;
    for (const auto& [name, anchor] : ctx.anchors)
        constrained_bytes += anchor.numel() * static_cast<int64_t>(anchor.element_size());
    r.buffers_mb = 2.0 * static_cast<double>(constrained_bytes) / (1 << 20);
    // Warm-up: allocator, thread pool, radii initialisation.
    sgd_step();
    tpgm1->after_optimizer_step(1);
    tpgm10->after_optimizer_step(1);

    auto eval_pass = [&] {
        torch::NoGradGuard no_grad;
        model->eval();
        model->forward(x).argmax(1);  // as the evaluator scores: the predicted classes
    };
    std::vector<double> vanilla, floor, f1, f10, apply, eval;
    int64_t step = 1;
    for (int w = 0; w < o.windows; ++w) {
        restore();
        vanilla.push_back(seconds_per_call(r.cuda, o.window_steps, [&](int) { sgd_step(); }));
        restore();
        floor.push_back(seconds_per_call(r.cuda, o.window_steps, [&](int) { floor_pass(); }));
        restore();
        tpgm1->after_optimizer_step(++step);
        f1.push_back(seconds_per_call(r.cuda, o.window_steps, [&](int) {
            sgd_step();
            tpgm1->after_optimizer_step(++step);
        }));
        restore();
        tpgm10->after_optimizer_step(11);
        f10.push_back(seconds_per_call(r.cuda, o.window_steps, [&](int) {
            sgd_step();
            tpgm10->after_optimizer_step(++step);
        }));
        // An apply-only step of the 10-step schedule (step not a multiple of 10).
        apply.push_back(seconds_per_call(r.cuda, o.window_steps,
                                         [&](int) { tpgm10->after_optimizer_step(11); }));
        eval.push_back(seconds_per_call(r.cuda, o.window_steps, [&](int) { eval_pass(); }));
    }
    r.peak_rss_mb = peak_rss_mb();  // before a third projector's and the copy's buffers
    r.update_work = update_work_seconds(*model, ctx, config, o, r.cuda, sgd_step, floor_pass);
    r.weight_copy = weight_copy_seconds(ctx, o, r.cuda, sgd_step);
    r.vanilla = median(vanilla);
    r.floor = median(floor);
    r.tpgm_freq1 = median(f1);
    r.tpgm_freq10 = median(f10);
    r.apply_only = median(apply);
    r.row_loops = r.cuda ? "tensor ops" : cpu::row_isa() + " row loops";
    r.images_per_sec_vanilla = o.batch / r.vanilla;
    r.images_per_sec_eval = o.batch / median(eval);
    return r;
}

double step_peak_rss_mb(const StepBenchOptions& o, bool tpgm) {
    set_threads(o.threads);
    const auto device = resolve_device(o.device);
    torch::manual_seed(0);
    auto model = create_model({o.model, 10, 3, 16});
    model->to(device);
    auto x = torch::randn({o.batch, 3, o.image_size, o.image_size}, device);
    auto y = random_labels(o, device);
    const RunConfig config = bench_config(o);
    std::unique_ptr<Method> method;
    if (tpgm) method = create_method(config, anchored_context(*model, [&] { return Batch{x, y}; }));
    auto optimizer = make_optimizer(config.optim, model->parameters());
    for (int64_t step = 1; step <= o.window_steps; ++step) {
        model->train();
        optimizer->zero_grad();
        training_loss(model->forward(x), y).backward();
        optimizer->step();
        if (method) method->after_optimizer_step(step);
    }
    return peak_rss_mb();
}

std::optional<ReferenceFigure> python_reference(const StepBenchOptions& o, bool cuda) {
    // Measured by this project with the public tpgm_trainer code (device switched where
    // needed), same model, batch and threads, same machine and hour as our figures beside them.
    struct Known {
        const char* model;
        int size, batch;
        bool cuda;
        ReferenceFigure figure;
    };
    static const Known known[] = {
        {"resnet18", 64, 32, false, {0.650, 0.0488, "the project's 2-core CPU machine, 2 threads"}},
        {"resnet50", 64, 16, false, {1.551, 0.157, "the project's 2-core CPU machine, 2 threads"}},
        {"resnet50", 224, 64, true, {0.1476, 0.0330, "one H200, LibTorch 2.11 / CUDA 13"}},
        {"resnet18", 64, 32, true, {0.0588, 0.0120, "one H200, LibTorch 2.11 / CUDA 13"}},
    };
    for (const auto& k : known)
        if (o.model == k.model && o.image_size == k.size && o.batch == k.batch && cuda == k.cuda)
            return k.figure;
    return std::nullopt;
}

FedStepResult run_fed_steps(const StepBenchOptions& o, const ImageSetPtr& set, int threads,
                            int steps) {
    set_threads(o.threads);
    const auto device = resolve_device(o.device);
    torch::manual_seed(0);
    auto model = create_model({o.model, 10, 3, 16});
    model->to(device);
    model->train();
    OptimConfig optim;
    optim.lr = 1e-3;
    auto optimizer = make_optimizer(optim, model->parameters());
    const Normalization imagenet{{0.485, 0.456, 0.406}, {0.229, 0.224, 0.225}};
    std::vector<int64_t> order;
    for (int64_t i = 0; static_cast<int64_t>(order.size()) < int64_t{steps + 1} * o.batch; ++i)
        order.push_back(i % set->size());
    BatchStream stream(set,
                       plan_batches(order, o.batch, 0, steps + 1,
                                    [](int64_t b) { return static_cast<uint64_t>(b); }),
                       Transform::Train, {threads, 4});
    auto step = [&](double& waited) {
        const double before = stream.wait_seconds();
        SetBatch b;
        stream.next(b);
        waited = stream.wait_seconds() - before;
        optimizer->zero_grad();
        torch::cross_entropy_loss(model->forward(to_model_input(b.images, imagenet, device)),
                                  b.labels.remainder(10).to(device))
            .backward();
        optimizer->step();
        return b.labels.size(0);
    };
    double waited = 0;
    step(waited);  // warm-up: allocator, thread pool; the loader fills its prefetch meanwhile
    std::vector<double> times, waits;
    double total_wait = 0, total = 0;
    int64_t images = 0;
    for (int s = 0; s < steps; ++s) {
        const auto t0 = std::chrono::steady_clock::now();
        images += step(waited);
        const double dt =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        times.push_back(dt);
        waits.push_back(waited);
        total += dt;
        total_wait += waited;
    }
    FedStepResult r;
    r.steps = steps;
    r.step_seconds = median(times);
    r.wait_seconds = median(waits);
    r.wait_fraction = total > 0 ? total_wait / total : 0;
    r.images_per_second = total > 0 ? images / total : 0;
    return r;
}

}  // namespace tpgm
