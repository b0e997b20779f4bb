// The labelled sets of a run, whatever their source: the embedded demo benchmark or image
// folders the user brings (data: folders).
#pragma once

#include "config/run_config.h"
#include "demo/demo_benchmark.h"
#include "engine/events.h"
#include "engine/progress.h"

#include <functional>
#include <string>

namespace tpgm {

// Loads (building or decoding as needed) the sets `config.data` names. Folder sets are decoded
// into memory at folders.image_size; unreadable images are skipped and reported through `warn`.
// Throws DatasetError (missing folders, empty classes, nothing decodable) before training.
DemoBenchmark load_run_data(const RunConfig& config, const ProgressFn& progress,
                            const std::function<void(const std::string&)>& warn);

// The same, reporting progress and warnings to `sink`.
DemoBenchmark load_run_data(const RunConfig& config, EventSink& sink);

}  // namespace tpgm
