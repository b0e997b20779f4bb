// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/run_format.h"
#include "runs/run_files.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <iomanip>
#include <sstream>

namespace tpgm::run_format {
using nlohmann::json;

namespace {

// json writes NaN as null; read it back as NaN rather than rejecting the whole file.
double number(const json& j) {
    return j.is_number() ? j.get<double>() : std::nan("");
}

std::vector<double> numbers(const json& j) {
    std::vector<double> out;
    if (j.is_array())
        for (const auto& v : j) out.push_back(number(v));
    return out;
}

std::map<std::string, double> number_map(const json& j) {
    std::map<std::string, double> out;
    if (j.is_object())
        for (auto it = j.begin(); it != j.end(); ++it) out[it.key()] = number(it.value());
    return out;
}

const json& member(const json& j, const char* key) {
    static const json null;
    const auto it = j.find(key);
    return it == j.end() ? null : *it;
}

// `fallback` when `key` is absent (files written before the field existed), NaN when null.
double number(const json& j, const char* key, double fallback = 0) {
    return j.contains(key) ? number(j.at(key)) : fallback;
}

// {"classes": [...], "sets": {set: [IoU per class]}}; NaN IoUs are written as null.
json class_iou_json(const ClassIoU& c) {
    return json{{"classes", c.classes}, {"sets", c.sets}};
}

ClassIoU parse_class_iou(const json& j) {
    ClassIoU c;
    if (!j.is_object()) return c;  // absent: a classification run or an older folder
    const json& classes = member(j, "classes");
    if (classes.is_array())
        for (const auto& name : classes)
            c.classes.push_back(name.is_string() ? name.get<std::string>() : "");
    const json& sets = member(j, "sets");
    if (sets.is_object())
        for (auto it = sets.begin(); it != sets.end(); ++it) c.sets[it.key()] = numbers(it.value());
    return c;
}

std::optional<json> parse_object(const std::string& text) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) return std::nullopt;
    return j;
}

}  // namespace

std::string metrics_line(const StepEvent& e) {
    return json{{"type", "step"},
                {"step", e.step},
                {"total_steps", e.total_steps},
                {"epoch", e.epoch},
                {"loss", e.loss},
                {"lr", e.lr},
                {"images_per_sec", e.images_per_sec},
                {"data_wait_s", e.data_wait_seconds},
                {"time", e.wall_time}}
               .dump() +
           '\n';
}

std::string metrics_line(const EvalEvent& e) {
    json j{{"type", "eval"}, {"step", e.step}, {"epoch", e.epoch},
           {"top1", e.top1}, {"top5", e.top5}, {"time", e.wall_time}};
    if (!e.class_iou.empty()) j["class_iou"] = class_iou_json(e.class_iou);
    return j.dump() + '\n';
}

std::string metrics_line(const LogEvent& e) {
    return json{{"type", "log"}, {"level", e.level}, {"message", e.message}}.dump() + '\n';
}

std::string radii_rows(const RadiiSnapshot& r) {
    std::ostringstream rows;
    rows << std::setprecision(9);
    for (std::size_t i = 0; i < r.names.size(); ++i) {
        rows << r.step << ',' << r.names[i] << ',' << r.radius[i] << ',' << r.distance[i] << ',';
        if (i < r.activity.size()) rows << r.activity[i];
        rows << '\n';
    }
    return rows.str();
}

std::optional<MetricsEntry> parse_metrics_line(const std::string& line) {
    const auto j = parse_object(line);
    if (!j) return std::nullopt;
    try {
        MetricsEntry m;
        const std::string type = j->value("type", "");
        if (type == "step") {
            m.kind = MetricsEntry::Kind::step;
            StepEvent& e = m.step;
            e.step = j->value("step", int64_t{0});
            e.total_steps = j->value("total_steps", int64_t{0});
            e.epoch = j->value("epoch", int64_t{0});
            e.loss = number(*j, "loss");
            e.lr = number(*j, "lr");
            e.images_per_sec = number(*j, "images_per_sec");
            e.data_wait_seconds = number(*j, "data_wait_s");  // absent in older folders: 0
            e.wall_time = number(*j, "time");
        } else if (type == "eval") {
            m.kind = MetricsEntry::Kind::eval;
            m.eval.step = j->value("step", int64_t{0});
            m.eval.epoch = j->value("epoch", int64_t{0});
            m.eval.top1 = number_map(member(*j, "top1"));
            m.eval.top5 = number_map(member(*j, "top5"));
            m.eval.class_iou = parse_class_iou(member(*j, "class_iou"));
            m.eval.wall_time = number(*j, "time");
        } else if (type == "log") {
            m.kind = MetricsEntry::Kind::log;
            m.log = {j->value("level", ""), j->value("message", "")};
        }
        return m;
    } catch (const json::exception&) {  // a field of the wrong type
        return std::nullopt;
    }
}

std::optional<RadiiRow> parse_radii_row(const std::string& line) {
    std::stringstream row(line);
    std::string step, radius, distance, activity;
    RadiiRow r;
    if (!std::getline(row, step, ',') || !std::getline(row, r.name, ',') ||
        !std::getline(row, radius, ',') || !std::getline(row, distance, ','))
        return std::nullopt;
    std::getline(row, activity);  // absent in folders written before the column
    try {
        r.step = std::stoll(step);
        r.radius = std::stod(radius);
        r.distance = std::stod(distance);
        if (!activity.empty()) r.activity = std::stod(activity);
    } catch (const std::exception&) {  // the header, or a damaged row
        return std::nullopt;
    }
    return r;
}

std::string summary_json(const RunSummary& s) {
    json j{{"status", to_string(s.status)}, {"message", s.message}, {"steps", s.steps},
           {"seconds", s.seconds},          {"top1", s.final_top1}, {"top5", s.final_top5},
           {"run_dir", s.run_dir},          {"device", s.device},   {"libtorch", s.libtorch},
           {"processes", s.processes}};
    if (s.processes > 1) j["communication_seconds"] = s.communication_seconds;
    if (!s.final_class_iou.empty()) j["class_iou"] = class_iou_json(s.final_class_iou);
    return j.dump(2) + "\n";
}

std::optional<RunSummary> parse_summary_json(const std::string& text) {
    const auto j = parse_object(text);
    if (!j) return std::nullopt;
    try {
        RunSummary s;
        const auto status = parse_run_status(j->value("status", ""));
        if (!status) return std::nullopt;  // not a summary this program wrote
        s.status = *status;
        s.message = j->value("message", "");
        s.steps = j->value("steps", int64_t{0});
        s.seconds = number(*j, "seconds");
        s.final_top1 = number_map(member(*j, "top1"));
        s.final_top5 = number_map(member(*j, "top5"));
        s.run_dir = j->value("run_dir", "");
        s.device = j->value("device", "");  // absent from summaries written before
        s.libtorch = j->value("libtorch", "");
        s.processes = j->value("processes", 1);
        s.communication_seconds = j->value("communication_seconds", 0.0);
        s.final_class_iou = parse_class_iou(member(*j, "class_iou"));
        return s;
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

// The layout `tpgm-cli eval --run` has always written; the window's heat map reads it.
std::string eval_json(const EvalReport& r) {
    json j{{"checkpoint", r.checkpoint}, {"top1", r.top1}, {"top5", r.top5}};
    if (r.corruptions) {
        const CorruptionReport& c = *r.corruptions;
        json rows = json::object();
        for (const auto& [name, row] : c.top1) rows[name] = row;
        json m{{"severities", c.severities}, {"top1", rows}, {"mean", c.mean}, {"clean", c.clean}};
        if (!c.baseline.empty()) {
            m["baseline"] = c.baseline;
            m["ce"] = c.ce;
            m["relative_ce"] = c.relative_ce;
            m["mce"] = c.mce;
            m["relative_mce"] = c.relative_mce;
        }
        j["corruptions"] = m;
    }
    if (!r.class_iou.empty()) j["class_iou"] = class_iou_json(r.class_iou);
    return j.dump(2) + "\n";
}

std::string path_sweep_json(const PathSweep& s) {
    json top1 = json::object();
    for (const auto& [name, values] : s.top1) top1[name] = values;
    return json{{"points", s.points}, {"final_point", s.final_point}, {"top1", top1}}.dump(2) +
           "\n";
}

std::optional<PathSweep> parse_path_sweep_json(const std::string& text) {
    const auto j = parse_object(text);
    if (!j) return std::nullopt;
    PathSweep s;
    s.points = numbers(member(*j, "points"));
    s.final_point = number(*j, "final_point");
    const json& rows = member(*j, "top1");
    if (rows.is_object())
        for (auto it = rows.begin(); it != rows.end(); ++it) s.top1[it.key()] = numbers(it.value());
    if (s.points.empty()) return std::nullopt;
    for (const auto& [name, values] : s.top1)
        if (values.size() != s.points.size()) return std::nullopt;
    return s;
}

std::optional<EvalReport> parse_eval_json(const std::string& text) {
    const auto j = parse_object(text);
    if (!j) return std::nullopt;
    try {
        EvalReport r;
        r.checkpoint = j->value("checkpoint", "");
        r.top1 = number_map(member(*j, "top1"));
        r.top5 = number_map(member(*j, "top5"));
        const json& c = member(*j, "corruptions");
        if (c.is_object()) {
            CorruptionReport m;
            const json& severities = member(c, "severities");
            if (severities.is_array())
                for (const auto& s : severities)
                    if (s.is_number()) m.severities.push_back(s.get<int>());
            const json& rows = member(c, "top1");
            if (rows.is_object())
                for (auto it = rows.begin(); it != rows.end(); ++it)
                    m.top1[it.key()] = numbers(it.value());
            m.mean = number(c, "mean");
            m.clean = number(c, "clean");
            m.baseline = c.value("baseline", "");
            m.ce = number_map(member(c, "ce"));
            m.relative_ce = number_map(member(c, "relative_ce"));
            m.mce = number(c, "mce");
            m.relative_mce = number(c, "relative_mce");
            r.corruptions = m;
        }
        r.class_iou = parse_class_iou(member(*j, "class_iou"));
        return r;
    } catch (const json::exception&) {
        return std::nullopt;
    }
}

std::string fork_json(const ForkRecord& f) {
    return json{{"parent", f.parent},
                {"step", f.step},
                {"changes", f.changes},
                {"fresh_method_state", f.fresh_method_state},
                {"method_state_started_anew", f.method_state_started_anew}}
               .dump(2) +
           '\n';
}

std::optional<ForkRecord> parse_fork_json(const std::string& text) {
    const auto j = parse_object(text);
    if (!j) return std::nullopt;
    try {
        ForkRecord f;
        f.parent = j->at("parent").get<std::string>();
        f.step = j->at("step").get<int64_t>();
        f.changes = j->value("changes", std::vector<std::string>{});
        f.fresh_method_state = j->value("fresh_method_state", false);
        f.method_state_started_anew = j->value("method_state_started_anew", false);
        return f;
    } catch (const json::exception&) {  // absent or of the wrong type
        return std::nullopt;
    }
}

}  // namespace tpgm::run_format
