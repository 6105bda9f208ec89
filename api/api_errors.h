// api/api_errors.h
// Errors of the HTTP request's shape, found before anything is decided:
// a body that is not JSON or not an object, a field that is missing or of
// the wrong type, a path segment or query parameter that does not parse.
// All answer 400 INVALID_REQUEST (api/json_io.h), as the domain's own
// kInvalidRequest does for values the rules refuse; the two stay apart so
// a domain code never comes from the parser.
#pragma once

#include <system_error>

namespace eventmart {

enum class ApiErrc {
  kInvalidRequest = 1,  // detail: which field or segment, and what it must be
};

const std::error_category& ApiCategory();
inline std::error_code make_error_code(ApiErrc e) { return {static_cast<int>(e), ApiCategory()}; }

}  // namespace eventmart

template <>
struct std::is_error_code_enum<eventmart::ApiErrc> : std::true_type {};
