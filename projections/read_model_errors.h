// projections/read_model_errors.h
// Errors of the read-model database (projections/read_model_store.h): a
// read that failed, or a stored record a projection cannot decode. Both
// need an operator (or a rebuild of that projection); neither ever reads
// as "not found". The detail names the key.
#pragma once

#include <system_error>

namespace eventmart {

enum class ReadModelErrc {
  kIoError = 1,  // RocksDB failed a read (Get, or an iterator's status)
  kCorruption,   // a stored record that its projection cannot decode
};

const std::error_category& ReadModelCategory();
inline std::error_code make_error_code(ReadModelErrc e) { return {static_cast<int>(e), ReadModelCategory()}; }

}  // namespace eventmart

template <>
struct std::is_error_code_enum<eventmart::ReadModelErrc> : std::true_type {};
