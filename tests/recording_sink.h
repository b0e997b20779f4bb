// SPDX-License-Identifier: GPL-3.0-or-later
// A sink that records a run's events for the trainer suites, and can request a stop at a step
// or when a progress phase begins.
#pragma once

#include "engine/trainer.h"

#include <QtTest/QtTest>

#include <cstring>
#include <string>
#include <vector>

// Records events; optionally requests a stop at a given step or phase.
struct RecordingSink : tpgm::EventSink {
    tpgm::RunControl* control = nullptr;
    int64_t stop_at = -1;    // step after which to stop (-1: never)
    std::string stop_phase;  // stop when a progress phase starts with this ("": never)
    std::vector<tpgm::StepEvent> steps;
    std::vector<tpgm::EvalEvent> evals;
    std::vector<tpgm::RadiiSnapshot> radii;
    std::vector<tpgm::LogEvent> logs;
    std::vector<std::string> evaluation;  // the sets named while evaluating, "" when done
    void on_progress(const std::string& phase, int64_t done, int64_t total) override {
        if (!stop_phase.empty() && phase.rfind(stop_phase, 0) == 0) control->request_stop();
        if (phase.rfind(tpgm::kEvaluationPhase, 0) != 0) return;
        evaluation.push_back(phase.substr(std::strlen(tpgm::kEvaluationPhase)));
        QVERIFY(done <= total && (done == total) == evaluation.back().empty());
    }
    void on_log(const tpgm::LogEvent& e) override { logs.push_back(e); }
    void on_step(const tpgm::StepEvent& e) override {
        steps.push_back(e);
        if (e.step == stop_at && control) control->request_stop();
    }
    void on_eval(const tpgm::EvalEvent& e) override { evals.push_back(e); }
    void on_radii(const tpgm::RadiiSnapshot& r) override { radii.push_back(r); }
};

// Runs `config` to its end with `sink` (which may request a stop).
inline tpgm::RunSummary run(const tpgm::RunConfig& config, RecordingSink& sink) {
    tpgm::RunControl control;
    sink.control = &control;
    return tpgm::run_training(config, sink, control);
}
