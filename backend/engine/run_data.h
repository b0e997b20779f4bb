// SPDX-License-Identifier: GPL-3.0-or-later
// The run's sets from whichever source `config.data` names: the embedded demo benchmark, image
// folders or split lists.
#pragma once

#include "config/run_config.h"
#include "data/batch_stream.h"
#include "data/run_sets.h"
#include "runs/events.h"

namespace tpgm {

class RunControl;

// Loads (building, scanning or decoding as needed) the sets `config.data` names. Throws
// DatasetError (missing folders, empty classes, bad lists, nothing decodable) before training.
// Building the demo benchmark pre-trains its backbone on the device `config.device` resolves to.
RunSets load_run_data(const RunConfig& config, const LoadCallbacks& callbacks);

// The same, reporting progress and warnings to `sink`.
RunSets load_run_data(const RunConfig& config, EventSink& sink);
// The same, ending with StopRequested at the loader's next progress report once `control` asks
// to stop (building the demo benchmark takes about 30 s).
RunSets load_run_data(const RunConfig& config, EventSink& sink, const RunControl& control);

// Loader threads and prefetch for the run's sets: none for the demo's in-memory tensors (a
// batch is one index_select), images.loader_threads (0: one per core) for image files.
StreamOptions stream_options(const RunConfig& config);

}  // namespace tpgm
