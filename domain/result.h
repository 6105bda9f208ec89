// domain/result.h
// Result<T>: a value or an Error. Expected failures (business rejections,
// version conflicts, corrupt bytes) travel as values; exceptions are kept
// for broken invariants only.
#pragma once

#include <expected>
#include <string>
#include <system_error>
#include <utility>

namespace eventmart {

// An error code plus free text for operators (a stream name, a field).
struct Error {
  std::error_code code;
  std::string detail;

  std::string Describe() const {
    return detail.empty() ? code.message() : code.message() + ": " + detail;
  }
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> Fail(std::error_code code, std::string detail = {}) {
  return std::unexpected(Error{code, std::move(detail)});
}

inline std::unexpected<Error> Fail(Error error) { return std::unexpected(std::move(error)); }

}  // namespace eventmart
