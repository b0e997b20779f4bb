// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/trainer.h"

#include "checkpoints/checkpoint.h"
#include "config/config_schema.h"
#include "data/batch_stream.h"
#include "data/idx_reader.h"
#include "engine/build_info.h"
#include "engine/data_parallel.h"
#include "engine/evaluator.h"
#include "engine/run_batches.h"
#include "engine/run_data.h"
#include "engine/run_model.h"
#include "engine/runtime.h"
#include "methods/method.h"
#include "models/sync_batch_norm.h"
#include "optim/optim.h"
#include "runs/fork_marker.h"
#include "runs/run_discovery.h"
#include "runs/run_files.h"
#include "runs/run_lock.h"
#include "runs/run_paths.h"
#include "runs/run_reader.h"
#include "runs/run_store.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <thread>

namespace tpgm {

void RunControl::request_stop() {
    stop_ = true;
}
void RunControl::pause() {
    paused_ = true;
}
void RunControl::resume() {
    paused_ = false;
}
void RunControl::wait_while_paused() {
    // Polling keeps request_stop() a single atomic store, safe to call from a signal handler.
    while (paused_ && !stop_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

namespace {

using Clock = std::chrono::steady_clock;
constexpr double kThroughputSmoothing = 0.9;  // EMA weight of the previous images/s estimate

// Thrown from a setup progress callback when a stop is requested before the first step.
struct StoppedDuringSetup : std::runtime_error {
    StoppedDuringSetup() : std::runtime_error("stopped before training started") {}
};

// The changes a resume makes to the run's own config.yaml; throws ConfigError when there is no
// run to resume or a setting that may not change differs.
std::vector<std::string> check_resume(const RunConfig& cfg) {
    const RunPaths paths(cfg.run_dir);
    const std::string path = paths.config();
    if (!std::filesystem::exists(path))
        throw ConfigError("no run to resume in '" + cfg.run_dir + "' (it has no config.yaml)");
    if (!std::filesystem::exists(paths.last_checkpoint()))
        throw ConfigError("nothing to resume in '" + cfg.run_dir +
                          "': its run ended before its first checkpoint; start it again without "
                          "resume (that replaces the unfinished files)");
    return check_resume_changes(load_config_file(path), cfg);
}

// What a data-parallel rank other than 0 reports: its warnings and errors, named by rank, and
// the end of the run; rank 0 alone reports progress and writes the run folder.
class OtherRankSink final : public EventSink {
  public:
    OtherRankSink(EventSink& out, int rank) : out_(out), rank_(rank) {}
    void on_log(const LogEvent& e) override {
        if (e.level != "info")
            out_.on_log({e.level, "rank " + std::to_string(rank_) + ": " + e.message});
    }
    void on_finished(const RunSummary& s) override { out_.on_finished(s); }

  private:
    EventSink& out_;
    int rank_;
};

// One run's state and steps; run_training() drives it.
class Session {
  public:
    Session(const RunConfig& cfg, EventSink& sink, RunControl& control)
        : cfg_(cfg),
          place_(process_place_from_environment()),
          other_rank_sink_(sink, place_.rank),
          sink_(place_.rank == 0 ? sink : other_rank_sink_),
          control_(control),
          paths_(cfg.run_dir) {}

    void setup() {
        if (place_.world_size > 1) {
            // First, so that a rank that cannot join fails before loading anything.
            dp_ = std::make_unique<DataParallel>(place_, std::chrono::seconds(cfg_.dist.timeout_s));
        }
        // One writer per run folder (rank 0), locked before anything is read.
        if (writer()) lock_.emplace(cfg_.run_dir);
        std::vector<std::string> resume_changes;
        // A run that ended before its first checkpoint (killed, a full disk at start) left
        // nothing to resume or keep: a new run replaces it, or the folder could neither run nor
        // resume without --overwrite.
        const bool unfinished = !cfg_.resume && !cfg_.overwrite && holds_run(cfg_.run_dir) &&
                                !std::filesystem::exists(paths_.last_checkpoint()) &&
                                !std::filesystem::exists(paths_.final_checkpoint());
        if (cfg_.resume)
            resume_changes = check_resume(cfg_);
        else if (writer() && !cfg_.overwrite && !unfinished && holds_run(cfg_.run_dir))
            throw ConfigError("run folder '" + cfg_.run_dir +
                              "' already holds a run; resume it (--resume), replace it "
                              "(--overwrite) or choose another run_dir");
        // Processes sharing a machine share its cores.
        set_threads(cfg_.threads > 0
                        ? cfg_.threads
                        : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) /
                                          place_.local_world_size));
        device_ = resolve_device(cfg_.device);
        if (device_.is_cuda() && dp_)  // one device per process on a multi-GPU machine
            device_ = torch::Device(
                torch::kCUDA,
                static_cast<c10::DeviceIndex>(place_.local_rank % torch::cuda::device_count()));
        data_ = load_run_data(cfg_, {[this](const std::string& phase, int64_t d, int64_t t) {
                                         sink_.on_progress(phase, d, t);
                                         if (control_.stop_requested()) throw StoppedDuringSetup();
                                     },
                                     [this](const std::string& message) { log("warn", message); }});
        stream_ = stream_options(cfg_);
        num_classes_ = static_cast<int64_t>(data_.class_names.size());
        check_labels(*data_.train, data_.class_names, true);
        check_labels(*data_.proj, data_.class_names, false);
        // Seeded after the data: building the demo benchmark draws from the global generator,
        // and a run must not depend on whether the benchmark was cached.
        seed_everything(cfg_.seed);
        RunModel start =
            load_run_model(cfg_, data_.pretrained_checkpoint, data_.channels, num_classes_);
        model_ = std::move(start.model);
        spec_ = start.spec;
        dtype_ = resolve_precision(cfg_.precision);
        model_->to(device_, dtype_);
        if (dp_) {
            dp_->broadcast_from_rank0(state_tensors(), "the start-up broadcast");
            if (cfg_.dist.sync_bn) synchronise_batch_norm();
        }
        // The run folder is (re)started only once data and checkpoint have loaded, so that a
        // setup error leaves an earlier run in the same folder as it was.
        if (writer()) {
            store_.emplace(cfg_.run_dir, cfg_.resume);
            if (!cfg_.resume) store_->write_config(cfg_);
        }
        if (unfinished)
            log("warn", "replaced the files of an earlier run in " + cfg_.run_dir +
                            " that ended before its first checkpoint");
        log("info", "pre-trained " + spec_.name + " from " + start.source + ": " +
                        start.report.summary() + "; new head " + model_->head_prefix() + " with " +
                        std::to_string(num_classes_) + " classes");
        MethodContext ctx;
        ctx.model = model_.get();
        for (const auto& p : model_->named_parameters())
            if (p.key().rfind(model_->head_prefix(), 0) != 0)
                ctx.anchors.emplace_back(p.key(), p.value().detach().clone());
        ctx.next_projection_batch = [this] { return batches_->projection(); };
        if (dp_)
            ctx.whole_projection_batch = [this](const torch::Tensor& g) {
                return dp_->weighted_average(g, batches_->projection_share(),
                                             "the radius-gradient all-reduce");
            };
        method_ = create_method(cfg_, std::move(ctx));
        optimizer_ = make_method_optimizer();
        if (dp_) dp_->watch_gradients(method_->trainable_parameters());
        batch_ = std::min<int64_t>(cfg_.batch_size, data_.train->size());
        if (dp_ && batch_ % place_.world_size != 0)
            throw ConfigError("batch_size = " + std::to_string(batch_) +
                              " must be a multiple of the " + std::to_string(place_.world_size) +
                              " processes (each takes an equal share of every batch)");
        steps_per_epoch_ = data_.train->size() / batch_;
        total_steps_ = steps_per_epoch_ * cfg_.epochs;
        batches_ = std::make_unique<RunBatches>(RunBatches::Plan{
            &data_, cfg_.seed, batch_, steps_per_epoch_, place_.rank, place_.world_size, stream_,
            device_, dtype_, [this](const std::string& message) { log("warn", message); }});
        second_phase_ = method_->second_phase_start(steps_per_epoch_);
        if (cfg_.resume) {
            previous_ = read_summary(cfg_.run_dir);
            resume();
            // Rewritten only once the resume succeeded; what changed is in the run log.
            for (const auto& change : resume_changes) log("info", "resumed with " + change);
            if (writer()) store_->write_config(cfg_);
        }
        if (dp_)
            log("info", "data parallel: rank 0 of " + std::to_string(place_.world_size) +
                            " processes (Gloo, rendezvous at " + place_.master_addr + ":" +
                            std::to_string(place_.master_port) + "), " +
                            std::to_string(batch_ / place_.world_size) +
                            " images per process and step");
        const StartedEvent started{method_->name(), describe_device(device_), libtorch_,
                                   total_steps_, place_.world_size};
        log("info", "training " + started.method + " for " + std::to_string(started.total_steps) +
                        " steps with LibTorch " + started.libtorch + " on " + started.device);
        sink_.on_started(started);  // OtherRankSink drops it on ranks other than 0
    }

    RunSummary run() {
        const auto start = Clock::now();
        try {
            return train(start);
        } catch (const DistributedError& e) {
            return diverged(e.what(), start,
                            "; resume with resume=true (any number of processes that divides "
                            "batch_size)");
        } catch (const std::exception& e) {
            try {
                return finish(RunStatus::Failed, error_message(e), start);
            } catch (const std::exception& nested) {  // e.g. the disk is full for summary.json too
                RunSummary s;
                s.status = RunStatus::Failed;
                s.message = error_message(e) + "; " + error_message(nested);
                s.run_dir = cfg_.run_dir;
                sink_.on_finished(s);
                return s;
            }
        }
    }

  private:
    RunSummary train(Clock::time_point start) {
        if (previous_ && previous_->status == RunStatus::Completed && step_ >= total_steps_)
            return nothing_to_do();
        auto last = start;
        for (int64_t step = step_ + 1; step <= total_steps_; ++step) {
            control_.wait_while_paused();
            if (all_ranks_agree_to_stop()) {
                if (!save_last()) return diverged("the weights are not finite", start);
                return finish(
                    RunStatus::Stopped,
                    "stopped at step " + std::to_string(step_) + "; resume with resume=true",
                    start);
            }
            double data_wait = 0;
            const double loss = train_step(step, data_wait);
            if (!std::isfinite(loss))
                return diverged(
                    "loss became " + std::to_string(loss) + " at step " + std::to_string(step),
                    start);
            step_ = step;
            const auto now = Clock::now();
            const double dt = std::chrono::duration<double>(now - last).count();
            last = now;
            const double ips = batch_ / std::max(dt, 1e-9);
            images_per_sec_ = images_per_sec_ == 0 ? ips
                                                   : kThroughputSmoothing * images_per_sec_ +
                                                         (1 - kThroughputSmoothing) * ips;
            StepEvent e{step,
                        total_steps_,
                        (step - 1) / steps_per_epoch_,
                        loss,
                        learning_rate(step),
                        images_per_sec_,
                        (total_steps_ - step) * batch_ / std::max(images_per_sec_, 1e-9),
                        data_wait};
            sink_.on_step(e);
            if (store_) store_->append(e);
            if (method_->radii_updated_at(step)) report_radii(step);
            if (cfg_.checkpoint_every_steps > 0 && step % cfg_.checkpoint_every_steps == 0 &&
                step != total_steps_ && !save_last())
                return diverged("the weights became non-finite by step " + std::to_string(step),
                                start);
            if (step % steps_per_epoch_ == 0 && step != total_steps_ && !end_of_epoch(step))
                return diverged("the weights became non-finite by step " + std::to_string(step),
                                start);
        }
        // The trained state is kept before the final phase and evaluation, which can fail (a bad
        // mask, a full disk): a resume then redoes only them.
        if (!save_last()) return diverged("the weights are not finite at the end", start);
        score_path();
        method_->on_training_end();
        if (batches_->skipped_images() > 0)
            log("warn", std::to_string(batches_->skipped_images()) +
                            " unreadable image(s) were left out of training batches");
        if (!method_->radii_updated_at(total_steps_)) report_radii(total_steps_);
        evaluate_all(total_steps_);
        if (writer()) save_checkpoint(paths_.final_checkpoint(), spec_, *model_);
        return finish(RunStatus::Completed, "", start);
    }

    void log(const std::string& level, const std::string& message) {
        LogEvent e{level, message};
        sink_.on_log(e);
        if (store_) store_->append(e);
    }

    void set_training_mode() {
        model_->train();
        if (method_->freezes_backbone()) {
            model_->eval();
        } else if (cfg_.freeze_bn) {
            for (auto& m : model_->modules(false))
                if (is_batch_norm(*m)) m->eval();
        }
    }

    // One optimiser step; the loss of the whole (global) batch. Data-parallel ranks each take
    // their share of the batch and average their gradients, weighted by their image counts.
    double train_step(int64_t step, double& data_wait) {
        SetBatch batch = batches_->training(step, data_wait);
        // Images, or the scored pixels of a segmentation batch: what the loss averages over.
        const double images = loss_count(batch.labels);
        if (!dp_ && images == 0) return 0;  // every file of the batch was unreadable
        auto inputs =
            to_model_input(batch.images, data_.norm, torch::TensorOptions(device_).dtype(dtype_));
        auto labels = batch.labels.to(device_);
        if (step == second_phase_) begin_second_phase();
        set_training_mode();
        set_learning_rate(*optimizer_, learning_rate(step));
        optimizer_->zero_grad();
        auto logits = model_->forward(inputs);
        auto loss = images > 0 ? training_loss(logits, labels, cfg_.optim.label_smoothing)
                               : logits.sum() * 0;
        double value = loss.item<double>(), total = images;
        if (dp_) {  // every rank takes the same decisions from the same loss
            const auto sums = dp_->sum({value * images, images}, "the loss all-reduce");
            total = sums[1];
            if (total == 0) return 0;
            value = sums[0] / total;
        }
        if (!std::isfinite(value)) return value;
        if (dp_) dp_->begin_backward(images);
        loss.backward();
        if (dp_) dp_->finish_backward(total);
        method_->before_optimizer_step(step);
        optimizer_->step();
        method_->after_optimizer_step(step);
        // BatchNorm statistics as PyTorch DDP keeps them: rank 0's, broadcast every step.
        if (dp_) dp_->broadcast_from_rank0(model_->buffers(), "the BatchNorm statistics broadcast");
        return value;
    }

    // The optimiser over the method's trainable parameters; those the method regularises itself
    // go in a group without weight decay.
    std::unique_ptr<torch::optim::Optimizer> make_method_optimizer() {
        std::vector<torch::Tensor> decayed, undecayed;
        const auto trainable = method_->trainable_parameters();
        for (const auto& p : model_->named_parameters()) {
            const bool trained =
                std::any_of(trainable.begin(), trainable.end(),
                            [&](const torch::Tensor& t) { return t.is_same(p.value()); });
            if (trained)
                (method_->weight_decay_applies_to(p.key()) ? decayed : undecayed)
                    .push_back(p.value());
        }
        if (!undecayed.empty() && cfg_.optim.weight_decay != 0)
            log("info", method_->name() + ": no optim.weight_decay on " +
                            std::to_string(undecayed.size()) + " of " +
                            std::to_string(trainable.size()) +
                            " trained tensors (the method regularises them itself)");
        return make_optimizer(cfg_.optim, std::move(decayed), std::move(undecayed));
    }

    // The schedule's rate at `step`; a method with a second phase runs the schedule once per
    // phase, as two runs would.
    double learning_rate(int64_t step) const {
        if (second_phase_ <= 0) return learning_rate_at(cfg_.optim, step, total_steps_);
        const int64_t first = second_phase_ - 1;  // steps of the first phase
        return step <= first ? learning_rate_at(cfg_.optim, step, first)
                             : learning_rate_at(cfg_.optim, step - first, total_steps_ - first);
    }

    void begin_second_phase() {
        method_->begin_second_phase();
        optimizer_ = make_method_optimizer();
        if (dp_) dp_->watch_gradients(method_->trainable_parameters());
        log("info", method_->name() + ": second phase from step " + std::to_string(second_phase_) +
                        " (every layer trains, from the first phase's weights; fresh optimiser)");
    }

    // Scores the method's path in weight space (WiSE-FT's sweep) into wise.json.
    void score_path() {
        const auto points = method_->path_points();
        if (points.empty()) return;
        PathSweep sweep;
        sweep.points = points;
        sweep.final_point = method_->final_path_point();
        std::size_t scored = 0;
        for (std::size_t i = 0; i < points.size(); ++i) {
            if (all_ranks_agree_to_stop()) break;  // training is done: keep what was scored
            method_->move_along_path(points[i]);
            sink_.on_progress("interpolating: a = " + format_point(points[i]),
                              static_cast<int64_t>(i), static_cast<int64_t>(points.size()));
            const EvalEvent e =
                evaluate_run_sets(*model_, data_, device_, stream_, nullptr, eval_shard());
            for (const auto& [set, top1] : e.top1) {
                sweep.top1[set].resize(points.size(), std::nan(""));
                sweep.top1[set][i] = top1;
            }
            scored = i + 1;
        }
        if (scored > 0 && writer()) write_path_sweep(cfg_.run_dir, sweep);
        log(scored == points.size() ? "info" : "warn",
            method_->name() + ": scored " + std::to_string(scored) + " of " +
                std::to_string(points.size()) +
                " interpolations (wise.json; a stop request ends the sweep early); the final "
                "model is at a = " +
                format_point(sweep.final_point));
    }

    static std::string format_point(double a) {
        char text[16];
        std::snprintf(text, sizeof text, "%.2g", a);
        return text;
    }

    void report_radii(int64_t step) {
        if (!writer()) return;
        if (auto snap = method_->radii(step)) {
            sink_.on_radii(*snap);
            store_->append(*snap);
        }
    }

    void evaluate_all(int64_t step) {
        EvalEvent e = evaluate_run_sets(*model_, data_, device_, stream_, &sink_, eval_shard());
        e.step = step;
        e.epoch = (step - 1) / steps_per_epoch_;
        sink_.on_eval(e);
        if (store_) store_->append(e);
        last_eval_ = e;
    }

    // Evaluates and checkpoints as configured; false when the weights are no longer finite.
    bool end_of_epoch(int64_t step) {
        const int64_t epochs_done = step / steps_per_epoch_;
        if (!method_->learns_radii()) report_radii(step);  // how far each layer has moved
        // Checkpoint first: an evaluation that fails must not cost the epoch.
        if (epochs_done % cfg_.checkpoint_every_epochs == 0 && !save_last()) return false;
        if (cfg_.eval_every_epochs > 0 && epochs_done % cfg_.eval_every_epochs == 0)
            evaluate_all(step);
        return true;
    }

    // A completed run resumed without more epochs: its files stay as they are.
    RunSummary nothing_to_do() {
        sink_.on_log({"info", "nothing to do: the run completed all " +
                                  std::to_string(total_steps_) +
                                  " steps; resume with more epochs to extend it"});
        RunSummary s = *previous_;
        s.run_dir = cfg_.run_dir;
        sink_.on_finished(s);
        return s;
    }

    // Ends a run whose training diverged, naming the checkpoint that is still good.
    RunSummary diverged(const std::string& what, Clock::time_point start,
                        const std::string& advice = "") {
        const std::string kept = last_saved_step_ > 0 ? "the last good checkpoint (step " +
                                                            std::to_string(last_saved_step_) +
                                                            ") is " + paths_.last_checkpoint()
                                                      : "no checkpoint had been written yet";
        return finish(RunStatus::Failed, what + "; training stopped, " + kept + advice, start);
    }

    bool weights_finite() {
        torch::NoGradGuard no_grad;
        for (const auto& t : model_->parameters())
            if (!torch::isfinite(t).all().item<bool>()) return false;
        for (const auto& t : model_->buffers())
            if (t.is_floating_point() && !torch::isfinite(t).all().item<bool>()) return false;
        return true;
    }

    // Writes the resumable checkpoint; refuses (false) to replace a good one with non-finite
    // weights. Data-parallel ranks first check that they still hold identical replicas.
    bool save_last() {
        if (last_saved_step_ == step_ && step_ > 0) return true;  // e.g. epoch end and step cadence
        if (!weights_finite()) return false;  // the same answer on every rank: same weights
        if (dp_) check_replicas();
        if (!writer()) {
            last_saved_step_ = step_;
            return true;
        }
        save_checkpoint(paths_.last_checkpoint(), spec_, *model_,
                        [this](torch::serialize::OutputArchive& a) {
                            a.write("train_step", c10::IValue(step_));
                            a.write("config_yaml", c10::IValue(to_yaml(cfg_)));
                            a.write("proj_batches", c10::IValue(batches_->projection_batches()));
                            torch::serialize::OutputArchive opt, method;
                            optimizer_->save(opt);
                            method_->save_state(method);
                            a.write("optimizer", opt);
                            a.write("method", method);
                        });
        last_saved_step_ = step_;
        keep_step_checkpoint();
        return true;
    }

    // Keeps this state as checkpoints/step-<N>.pt to fork from, and the newest keep_checkpoints
    // of them. A hard link: last.pt is replaced by a rename, so the link keeps this state.
    void keep_step_checkpoint() {
        if (cfg_.keep_checkpoints == 0) return;
        const RunPaths& paths = store_->paths();
        const std::string kept = paths.step_checkpoint(step_);
        std::error_code ec;
        std::filesystem::remove(kept, ec);
        std::filesystem::create_hard_link(paths.last_checkpoint(), kept, ec);
        if (ec) std::filesystem::copy_file(paths.last_checkpoint(), kept, ec);
        const std::vector<int64_t> steps = paths.step_checkpoints();
        for (std::size_t k = 0; k + cfg_.keep_checkpoints < steps.size(); ++k)
            std::filesystem::remove(paths.step_checkpoint(steps[k]), ec);
    }

    // The run folder's files are edited by hand at times: a resume must train on with the
    // settings last.pt was trained with (recorded in it), not with an emptied or edited
    // config.yaml. A checkpoint written for another folder (a fork's copy of its parent's, a
    // moved folder) or before the record existed is not compared.
    void check_trained_settings(LoadedCheckpoint& ckpt, const std::string& path) const {
        c10::IValue saved;
        if (!ckpt.archive.try_read("config_yaml", saved) || !saved.isString()) return;
        const RunConfig trained = parse_config_yaml(saved.toStringRef());
        if (trained.run_dir != cfg_.run_dir) return;
        check_resume_changes(trained, cfg_,
                             "'" + path +
                                 "' was trained with other settings than the run folder's "
                                 "config.yaml now gives (edited by hand?):");
    }

    void resume() {
        const std::string path = paths_.last_checkpoint();
        LoadedCheckpoint ckpt = read_checkpoint(path);
        check_trained_settings(ckpt, path);
        load_state_dict(*model_, ckpt.state);
        c10::IValue step, proj;
        torch::serialize::InputArchive opt, method;
        if (!ckpt.archive.try_read("train_step", step) ||
            !ckpt.archive.try_read("optimizer", opt) || !ckpt.archive.try_read("method", method) ||
            !ckpt.archive.try_read("proj_batches", proj))
            throw CheckpointError("'" + path +
                                  "' holds weights only, not a resumable training state");
        // The saved optimiser is the second phase's when the checkpoint lies in it.
        if (second_phase_ > 0 && step.toInt() >= second_phase_) begin_second_phase();
        bool reset = fork_resets_method_state(paths_);
        // Every rank reads the marker before rank 0 writes it.
        if (dp_) reset = dp_->sum({reset ? 1.0 : 0.0}, "the resume")[0] > 0;
        if (reset) {
            log("info",
                "this fork changed the method or its constrained tensors: the optimiser "
                "and method state start anew from the parent's weights");
            if (writer()) mark_fork_method_state_reset(paths_);
        } else {
            optimizer_->load(opt);
            method_->load_state(method);
        }
        step_ = last_saved_step_ = step.toInt();
        batches_->set_projection_batches(proj.toInt());
        if (store_) store_->discard_after(step_);  // steps after the checkpoint are trained again
        log("info", "resumed at step " + std::to_string(step_) + " from " + path);
    }

    // Rank 0 writes the run folder; the other ranks only train and evaluate.
    bool writer() const { return place_.rank == 0; }

    // Parameters and buffers: what data-parallel replicas must hold identically.
    std::vector<torch::Tensor> state_tensors() const {
        std::vector<torch::Tensor> out = model_->parameters();
        for (const auto& b : model_->buffers()) out.push_back(b);
        return out;
    }

    // dist.sync_bn: every BatchNorm layer normalises with the statistics of the whole batch.
    void synchronise_batch_norm() {
        const auto sum = dp_->process_sum();
        int layers = 0;
        for (const auto& m : model_->modules(/*include_self=*/false))
            if (auto* bn = dynamic_cast<SyncableBatchNorm2dImpl*>(m.get())) {
                bn->synchronise(sum);
                ++layers;
            }
        log(layers > 0 ? "info" : "warn",
            "dist.sync_bn: " + std::to_string(layers) +
                " BatchNorm layers normalise with the statistics of all " +
                std::to_string(place_.world_size) + " processes");
    }

    // A stop request on any rank stops every rank at the same step.
    bool all_ranks_agree_to_stop() {
        const bool here = control_.stop_requested();
        return dp_ ? dp_->sum({here ? 1.0 : 0.0}, "the stop check")[0] > 0 : here;
    }

    EvalShard eval_shard() {
        if (!dp_) return {};
        return {place_.rank, place_.world_size, [this](std::vector<double> counts) {
                    return dp_->sum(std::move(counts), "the evaluation");
                }};
    }

    // Parameters, buffers and the method's radii of every rank against rank 0's.
    void check_replicas() {
        std::vector<std::pair<std::string, torch::Tensor>> named;
        for (const auto& p : model_->named_parameters()) named.emplace_back(p.key(), p.value());
        for (const auto& b : model_->named_buffers()) named.emplace_back(b.key(), b.value());
        if (auto snap = method_->radii(step_); snap && !snap->radius.empty())
            named.emplace_back("the radii", torch::tensor(snap->radius, torch::kFloat64));
        dp_->check_replicas(named);
        if (!replicas_logged_)
            log("info", "data parallel: the " + std::to_string(place_.world_size) +
                            " replicas hold bit-identical weights, buffers and radii (step " +
                            std::to_string(step_) + ", " + std::to_string(named.size()) +
                            " tensors checked at every checkpoint)");
        replicas_logged_ = true;
    }

    RunSummary finish(RunStatus status, const std::string& message, Clock::time_point start) {
        RunSummary s;
        s.status = status;
        s.message = message;
        s.steps = step_;
        s.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        s.final_top1 = last_eval_.top1;
        s.final_top5 = last_eval_.top5;
        s.final_class_iou = last_eval_.class_iou;
        s.run_dir = cfg_.run_dir;
        s.device = device_.str();
        s.libtorch = libtorch_;
        s.processes = place_.world_size;
        s.rank = place_.rank;
        if (dp_) {
            s.communication_seconds = dp_->communication_seconds();
            log("info",
                "data parallel: " + std::to_string(place_.world_size) + " processes spent " +
                    std::to_string(
                        std::lround(100 * s.communication_seconds / std::max(s.seconds, 1e-9))) +
                    " % of the run waiting in collectives (rank 0)");
        }
        if (!message.empty()) {
            const LogEvent e{status == RunStatus::Failed ? "error" : "info", message};
            sink_.on_log(e);
            try {  // metrics.jsonl may be the file that could not be written
                if (store_) store_->append(e);
            } catch (const std::exception&) {
            }
        }
        if (store_) store_->write_summary(s);
        sink_.on_finished(s);
        return s;
    }

    const RunConfig& cfg_;
    ProcessPlace place_;  // this process's rank among the data-parallel processes
    OtherRankSink other_rank_sink_;
    EventSink& sink_;
    RunControl& control_;
    RunPaths paths_;
    std::unique_ptr<DataParallel> dp_;  // with more than one process
    bool replicas_logged_ = false;
    std::optional<RunLock> lock_;    // held for the whole run
    std::optional<RunStore> store_;  // created once setup has loaded data and model
    torch::Device device_{torch::kCPU};
    torch::ScalarType dtype_ = torch::kFloat;             // config precision
    std::optional<RunSummary> previous_;                  // summary.json of a resumed run
    const std::string libtorch_ = build_info().libtorch;  // the version it was compiled against
    RunSets data_;
    StreamOptions stream_;
    std::unique_ptr<RunBatches> batches_;  // once the batch size is known
    int64_t num_classes_ = 0;
    ModelSpec spec_;
    std::shared_ptr<Classifier> model_;
    std::unique_ptr<Method> method_;
    std::unique_ptr<torch::optim::Optimizer> optimizer_;
    int64_t batch_ = 0, steps_per_epoch_ = 0, total_steps_ = 0;
    int64_t second_phase_ = 0;  // the method's second phase starts at this step (0: none)
    int64_t step_ = 0, last_saved_step_ = 0;
    double images_per_sec_ = 0;
    EvalEvent last_eval_;
};

}  // namespace

RunSummary run_training(const RunConfig& config, EventSink& sink, RunControl& control) {
    validate_or_throw(config);
    Session session(config, sink, control);
    try {
        session.setup();
    } catch (const StoppedDuringSetup& e) {
        RunSummary s;
        s.status = RunStatus::Stopped;
        s.message = e.what();
        s.run_dir = config.run_dir;
        sink.on_finished(s);
        return s;
    }
    return session.run();
}

}  // namespace tpgm
