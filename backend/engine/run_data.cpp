// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/run_data.h"

#include "config/data_sources.h"
#include "data/file_sources.h"
#include "data/voc_sets.h"
#include "demo/demo_benchmark.h"
#include "engine/runtime.h"
#include "engine/trainer.h"
#include "segmentation/demo_segmentation.h"

#include <algorithm>
#include <thread>

namespace tpgm {

RunSets load_run_data(const RunConfig& config, const LoadCallbacks& callbacks) {
    // A missing demo cache is built here, its backbone pre-trained on the run's device.
    switch (data_source(config).kind) {
        case DataSourceKind::Demo:
            return demo_run_sets(config.demo, callbacks.progress, resolve_device(config.device));
        case DataSourceKind::SegDemo:
            return seg_demo_run_sets(config, callbacks.progress, resolve_device(config.device));
        case DataSourceKind::Voc:
            return load_voc_run_sets(config, callbacks);
        case DataSourceKind::Folders:
        case DataSourceKind::Lists:
            return load_file_sets(config, callbacks);
    }
    throw std::logic_error("no loader for data source " + config.data);
}

RunSets load_run_data(const RunConfig& config, EventSink& sink, const RunControl& control) {
    return load_run_data(config, {[&](const std::string& phase, int64_t d, int64_t t) {
                                      sink.on_progress(phase, d, t);
                                      if (control.stop_requested()) throw StopRequested();
                                  },
                                  [&](const std::string& message) {
                                      sink.on_log({"warn", message});
                                  }});
}

StreamOptions stream_options(const RunConfig& config) {
    if (data_source(config).embedded) return {0, 1};  // in memory: nothing to decode
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return {config.images.loader_threads > 0 ? config.images.loader_threads : cores,
            config.images.prefetch_batches};
}

RunSets load_run_data(const RunConfig& config, EventSink& sink) {
    return load_run_data(config, {[&](const std::string& phase, int64_t d, int64_t t) {
                                      sink.on_progress(phase, d, t);
                                  },
                                  [&](const std::string& message) {
                                      sink.on_log({"warn", message});
                                  }});
}

}  // namespace tpgm
