// projections/read_model_format.h
// Each projection's read-model format version (Projection::format_version),
// stored beside its checkpoint under "~format/<name>" (4 bytes big-endian).
// A read model stored by a build with another format -- or by a build from
// before formats were recorded (a checkpoint but no format) -- is dropped at
// start, so the projector folds it again from the log instead of decoding
// records it does not understand. One log line says so per projection.
//
// Errors: kIoError from the read-model store; nothing else.
// Thread safety: call before the projector's thread runs (Projector::Start,
// CatchUp), on the thread that owns the projector.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "projections/projection.h"
#include "projections/read_model_store.h"

namespace eventmart {

std::string FormatKey(std::string_view projection);

// Records the format of every projection with none yet (a fresh read
// model); drops, and records the current format of, every projection whose
// stored read model has another format or a checkpoint but no format.
// Returns the names of the projections dropped.
[[nodiscard]] Result<std::vector<std::string>> EnsureReadModelFormats(
    ReadModelStore& views, const std::vector<std::unique_ptr<Projection>>& projections);

// The format a projection's stored read model has: 0 when none is recorded.
[[nodiscard]] Result<std::uint32_t> StoredFormat(const ReadModelStore& views, std::string_view projection);

}  // namespace eventmart
