#include "engine/run_store.h"

#include "checkpoints/atomic_file.h"
#include "config/config_schema.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace tpgm {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kRunFiles[] = {"metrics.jsonl", "radii.csv", "summary.json", "config.yaml"};

json summary_json(const RunSummary& s) {
    return {{"status", s.status},   {"message", s.message}, {"steps", s.steps},
            {"seconds", s.seconds}, {"top1", s.final_top1}, {"top5", s.final_top5},
            {"run_dir", s.run_dir}};
}

}  // namespace

RunStore::RunStore(std::string dir, bool resume) : dir_(std::move(dir)) {
    fs::create_directories(fs::path(dir_) / "checkpoints");
    if (!resume) {
        for (const char* f : kRunFiles) fs::remove(fs::path(dir_) / f);
        fs::remove_all(fs::path(dir_) / "checkpoints");
        fs::create_directories(fs::path(dir_) / "checkpoints");
    }
    const bool new_radii = !fs::exists(fs::path(dir_) / "radii.csv");
    metrics_.open(fs::path(dir_) / "metrics.jsonl", std::ios::app);
    radii_.open(fs::path(dir_) / "radii.csv", std::ios::app);
    if (!metrics_ || !radii_) throw std::runtime_error("cannot write run folder '" + dir_ + "'");
    if (new_radii) radii_ << "step,name,radius,distance\n" << std::flush;
}

std::string RunStore::checkpoint_path(const std::string& name) const {
    return (fs::path(dir_) / "checkpoints" / (name + ".pt")).string();
}

void RunStore::write_config(const RunConfig& config) {
    write_file_atomically((fs::path(dir_) / "config.yaml").string(), to_yaml(config));
}

void RunStore::append(const StepEvent& e) {
    metrics_ << json{{"type", "step"},
                     {"step", e.step},
                     {"total_steps", e.total_steps},
                     {"epoch", e.epoch},
                     {"loss", e.loss},
                     {"lr", e.lr},
                     {"images_per_sec", e.images_per_sec}}
                    .dump()
             << '\n'
             << std::flush;
}

void RunStore::append(const EvalEvent& e) {
    metrics_ << json{{"type", "eval"},
                     {"step", e.step},
                     {"epoch", e.epoch},
                     {"top1", e.top1},
                     {"top5", e.top5}}
                    .dump()
             << '\n'
             << std::flush;
}

void RunStore::append(const RadiiSnapshot& r) {
    std::ostringstream rows;
    rows << std::setprecision(9);
    for (std::size_t i = 0; i < r.names.size(); ++i)
        rows << r.step << ',' << r.names[i] << ',' << r.radius[i] << ',' << r.distance[i] << '\n';
    radii_ << rows.str() << std::flush;
}

void RunStore::append(const LogEvent& e) {
    metrics_ << json{{"type", "log"}, {"level", e.level}, {"message", e.message}}.dump() << '\n'
             << std::flush;
}

void RunStore::write_summary(const RunSummary& s) {
    write_file_atomically((fs::path(dir_) / "summary.json").string(),
                          summary_json(s).dump(2) + "\n");
}

RunRecord read_run(const std::string& dir) {
    RunRecord rec;
    rec.dir = dir;
    std::ifstream metrics(fs::path(dir) / "metrics.jsonl");
    if (!metrics) throw std::runtime_error("'" + dir + "' is not a run folder (no metrics.jsonl)");
    std::string line;
    while (std::getline(metrics, line)) {
        if (metrics.eof()) break;  // no newline yet: the writer is mid-line
        json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (!j.is_object()) continue;
        const std::string type = j.value("type", "");
        if (type == "step") {
            StepEvent e;
            e.step = j.value("step", int64_t{0});
            e.total_steps = j.value("total_steps", int64_t{0});
            e.epoch = j.value("epoch", int64_t{0});
            e.loss = j.value("loss", 0.0);
            e.lr = j.value("lr", 0.0);
            e.images_per_sec = j.value("images_per_sec", 0.0);
            rec.steps.push_back(e);
        } else if (type == "eval") {
            EvalEvent e;
            e.step = j.value("step", int64_t{0});
            e.epoch = j.value("epoch", int64_t{0});
            e.top1 = j.value("top1", std::map<std::string, double>{});
            e.top5 = j.value("top5", std::map<std::string, double>{});
            rec.evals.push_back(e);
        } else if (type == "log") {
            rec.logs.push_back({j.value("level", ""), j.value("message", "")});
        }
    }
    std::ifstream radii(fs::path(dir) / "radii.csv");
    std::getline(radii, line);  // header
    while (std::getline(radii, line)) {
        if (radii.eof()) break;
        std::stringstream row(line);
        std::string step, name, radius, distance;
        if (!std::getline(row, step, ',') || !std::getline(row, name, ',') ||
            !std::getline(row, radius, ',') || !std::getline(row, distance))
            continue;
        const int64_t s = std::stoll(step);
        if (rec.radii.empty() || rec.radii.back().step != s) rec.radii.push_back({s, {}, {}, {}});
        rec.radii.back().names.push_back(name);
        rec.radii.back().radius.push_back(std::stod(radius));
        rec.radii.back().distance.push_back(std::stod(distance));
    }
    std::ifstream config(fs::path(dir) / "config.yaml");
    std::stringstream cfg;
    cfg << config.rdbuf();
    rec.config_yaml = cfg.str();
    std::ifstream summary(fs::path(dir) / "summary.json");
    if (summary) {
        json j = json::parse(summary, nullptr, false);
        if (j.is_object()) {
            RunSummary s;
            s.status = j.value("status", "");
            s.message = j.value("message", "");
            s.steps = j.value("steps", int64_t{0});
            s.seconds = j.value("seconds", 0.0);
            s.final_top1 = j.value("top1", std::map<std::string, double>{});
            s.final_top5 = j.value("top5", std::map<std::string, double>{});
            s.run_dir = j.value("run_dir", "");
            rec.summary = s;
        }
    }
    return rec;
}

}  // namespace tpgm
