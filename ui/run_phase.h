// SPDX-License-Identifier: GPL-3.0-or-later
// What a live run is doing between the step events the window sees: after the step that ends an
// evaluated epoch (and after the last step) the engine evaluates every test set, which can take
// a good share of a run, so the status bar names that phase and the ETA counts it.
#pragma once

#include "runs/run_reader.h"

#include <QString>

#include <cstdint>

namespace tpgm::ui {

// When a run evaluates: after every `evalEvery`-th epoch (0: never) and after its last step.
struct EvalPlan {
    int64_t epochs = 0;
    int64_t evalEvery = 0;
    // Whether the engine evaluates after `step` of `totalSteps`.
    bool evaluatesAfter(int64_t step, int64_t totalSteps) const;
    // Evaluations still to come after `step` (the final one included).
    int remainingAfter(int64_t step, int64_t totalSteps) const;
};

// The plan of a run from its config.yaml text; only the final evaluation when there is none.
EvalPlan evalPlanOf(const RunRecord& record);

// "1:05" or "1:02:03"; "?" for a negative or non-finite number of seconds.
QString formatDuration(double seconds);

// "Evaluating after epoch 5 on ID test and 15 OOD sets…" while the run evaluates after its newest
// step and that evaluation has not arrived yet; empty while it trains. With the set the engine
// reports scoring now: "Evaluating after epoch 5: OOD set 3 of 15 (sketch)…".
QString evaluationPhase(const RunRecord& record, const EvalPlan& plan,
                        const QString& currentSet = {});

}  // namespace tpgm::ui
