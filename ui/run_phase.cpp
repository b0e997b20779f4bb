// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/run_phase.h"

#include "config/config_schema.h"
#include "runs/set_names.h"

#include <QObject>

#include <cmath>

namespace tpgm::ui {

EvalPlan evalPlanOf(const RunRecord& record) {
    EvalPlan plan;
    try {
        const RunConfig c = parse_config_yaml(record.config_yaml);
        plan.epochs = c.epochs;
        plan.evalEvery = c.eval_every_epochs;
    } catch (const std::exception&) {
        // No config yet: only the final evaluation is known.
    }
    return plan;
}

QString formatDuration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const long s = std::lround(seconds);
    return s >= 3600 ? QString::asprintf("%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60)
                     : QString::asprintf("%ld:%02ld", s / 60, s % 60);
}

bool EvalPlan::evaluatesAfter(int64_t step, int64_t totalSteps) const {
    if (step >= totalSteps) return true;
    if (epochs <= 0 || evalEvery <= 0 || totalSteps % epochs != 0) return false;
    const int64_t perEpoch = totalSteps / epochs;
    return step % perEpoch == 0 && (step / perEpoch) % evalEvery == 0;
}

int EvalPlan::remainingAfter(int64_t step, int64_t totalSteps) const {
    int count = step < totalSteps ? 1 : 0;  // the final evaluation
    if (epochs > 0 && evalEvery > 0 && totalSteps % epochs == 0) {
        const int64_t perEpoch = totalSteps / epochs;
        for (int64_t e = evalEvery; e * perEpoch < totalSteps; e += evalEvery)
            if (e * perEpoch > step) ++count;
    }
    return count;
}

QString evaluationPhase(const RunRecord& record, const EvalPlan& plan, const QString& currentSet) {
    if (record.steps.empty() || record.summary) return {};
    const StepEvent& last = record.steps.back();
    if (!plan.evaluatesAfter(last.step, last.total_steps)) return {};
    for (auto it = record.evals.rbegin(); it != record.evals.rend(); ++it)
        if (it->step == last.step) return {};  // this evaluation has arrived
    const int64_t perEpoch = plan.epochs > 0 ? last.total_steps / plan.epochs : 0;
    const QString when = last.step >= last.total_steps
                             ? QObject::tr("the final model")
                             : QObject::tr("after epoch %1")
                                   .arg(perEpoch > 0 ? last.step / perEpoch : last.epoch + 1);
    if (!currentSet.isEmpty()) return QObject::tr("Evaluating %1: %2…").arg(when, currentSet);
    int ood = -1;  // sets of an earlier evaluation, when there was one
    if (!record.evals.empty()) {
        ood = 0;
        for (const auto& [name, _] : record.evals.back().top1)
            if (!is_headline_set(name)) ++ood;
    }
    const QString sets = ood < 0    ? QObject::tr("every test set")
                         : ood == 0 ? QObject::tr("the ID test set")
                         : ood == 1 ? QObject::tr("ID test and 1 OOD set")
                                    : QObject::tr("ID test and %1 OOD sets").arg(ood);
    return QObject::tr("Evaluating %1 on %2…").arg(when, sets);
}

}  // namespace tpgm::ui
