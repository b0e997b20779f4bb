// SPDX-License-Identifier: GPL-3.0-or-later
// Fine-tuning methods as strategies that hook the trainer at fixed points; the trainer never
// special-cases a method.
#pragma once

#include "config/run_config.h"
#include "models/classifier.h"
#include "runs/events.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tpgm {

// A labelled batch already on the model's device and normalised.
struct Batch {
    torch::Tensor inputs;
    torch::Tensor labels;
};

// What a method may use: the model, its pre-trained weights, and held-out batches.
struct MethodContext {
    Classifier* model = nullptr;
    // Pre-trained tensors by parameter name (on the model's device); the new head is absent.
    std::vector<std::pair<std::string, torch::Tensor>> anchors;
    // Next batch of the held-out projection split (cycles forever).
    std::function<Batch()> next_projection_batch;
    // Turns a gradient computed on this process's share of the last projection batch into the
    // whole batch's: data-parallel ranks average it; empty (unchanged) in one process.
    std::function<torch::Tensor(const torch::Tensor&)> whole_projection_batch;
    const RunConfig* config = nullptr;
};

// One fine-tuning method.
class Method {
  public:
    virtual ~Method() = default;
    virtual std::string name() const = 0;
    // Parameters the optimiser updates (all of them unless the method freezes some).
    virtual std::vector<torch::Tensor> trainable_parameters();
    // False for parameters the method regularises itself in place of the optimiser's weight
    // decay (L2-SP: all; SPD: the pre-trained ones); the trainer puts them in a group without.
    virtual bool weight_decay_applies_to(const std::string& name) const { return true; }
    // True when the backbone must stay in eval mode while training (frozen BatchNorm).
    virtual bool freezes_backbone() const { return false; }
    // Between the backward pass and the optimiser step (e.g. to add a penalty's gradient).
    virtual void before_optimizer_step(int64_t step) {}
    // After every optimiser step; `step` is 1-based.
    virtual void after_optimizer_step(int64_t step) {}
    // After the last step, before the final evaluation.
    virtual void on_training_end() {}
    // A second phase (LP-FT's fine-tuning after the probe): the step it starts at, 0 for none.
    // The trainer then calls begin_second_phase() and rebuilds the optimiser (fresh moments,
    // the schedule restarted) over trainable_parameters().
    virtual int64_t second_phase_start(int64_t steps_per_epoch) const { return 0; }
    virtual void begin_second_phase() {}
    // Points a of a path in weight space (WiSE-FT's interpolation) that the trainer scores after
    // the last step, calling move_along_path(a) before each; on_training_end() comes after.
    virtual std::vector<double> path_points() const { return {}; }
    virtual void move_along_path(double a) {}
    // Where on the path on_training_end() leaves the final model.
    virtual double final_path_point() const { return 1.0; }
    // Per-layer radii and distances from W0. The default: every pre-trained tensor the method
    // trains, its distance in the MARS norm and radius 0 (no learned constraint); nullopt when
    // there is none (a linear probe).
    virtual std::optional<RadiiSnapshot> radii(int64_t step) const;
    // True for methods that learn radii (TPGM, FTP): they say when radii() changed; for the
    // others the trainer records the distances at every epoch end.
    virtual bool learns_radii() const { return false; }
    // Whether radii() changed at this step (the trainer logs it then).
    virtual bool radii_updated_at(int64_t step) const { return false; }
    virtual void save_state(torch::serialize::OutputArchive& archive) const {}
    virtual void load_state(torch::serialize::InputArchive& archive) {}

  protected:
    explicit Method(MethodContext ctx) : ctx_(std::move(ctx)) {}
    MethodContext ctx_;
};

// The task's loss: cross-entropy over classes for labels [B], per pixel for masks [B, H, W]
// (a segmentation batch), where pixels labelled kIgnoreLabel (255) do not count.
torch::Tensor training_loss(const torch::Tensor& logits, const torch::Tensor& labels,
                            double label_smoothing = 0);
// What training_loss averages over: images, or the scored pixels of masks.
double loss_count(const torch::Tensor& labels);

// Marks the head's parameters trainable and, with `head_only`, freezes the rest (else all
// train); returns those that train. The linear probe and LP-FT's first phase use it.
std::vector<torch::Tensor> set_trainable(Classifier& model, bool head_only);

// MARS norm of an offset W - W0 per output row: L1 over all dims but the first (a 1-D tensor:
// |x| per element; a scalar: one row).
torch::Tensor mars_row_norms(const torch::Tensor& offset);

// Builds the method named by config.method; throws std::invalid_argument for a name the
// registry has no maker for.
std::unique_ptr<Method> create_method(const RunConfig& config, MethodContext ctx);

// One maker per registered method, make_<name> (config/method_list.def), each in its own file.
#define TPGM_METHOD(name, ...) std::unique_ptr<Method> make_##name(MethodContext ctx);
#include "config/method_list.def"
#undef TPGM_METHOD

}  // namespace tpgm
