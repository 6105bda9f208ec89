// commands/command_errors.h
// Failures of the command path itself (not business rejections).
#pragma once

#include <system_error>

namespace eventmart {

enum class CommandErrc {
  kRequestInProgress = 1,  // the same idempotency key is being processed
  kIdempotencyKeyReused,   // the key was used for a different request
  kStoreUnavailable,       // the log refused the append (I/O error, closed)
  kOverloaded,             // too many commands queued; retry later
  kNotReady,               // the state is still loading; retry later
};

const std::error_category& CommandCategory();

inline std::error_code make_error_code(CommandErrc e) { return {static_cast<int>(e), CommandCategory()}; }

}  // namespace eventmart

template <>
struct std::is_error_code_enum<eventmart::CommandErrc> : std::true_type {};
