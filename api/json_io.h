// api/json_io.h
// JSON in and out, with the contract's validation rules:
//   missing or mistyped field            -> 400 INVALID_REQUEST (ApiErrc)
//   money of the right type, out of range -> 400 INVALID_AMOUNT
//   other integers out of range           -> 400 INVALID_REQUEST
// Parsing never throws.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "api/http_types.h"
#include "domain/ids.h"
#include "domain/result.h"

namespace eventmart {

using Json = nlohmann::json;

// Limits on every body, checked before it is parsed (contract v2): deeper
// nesting, a longer number literal or a longer string is INVALID_REQUEST.
inline constexpr std::size_t kMaxJsonDepth = 32;
inline constexpr std::size_t kMaxJsonNumber = 40;     // characters of one number literal
inline constexpr std::size_t kMaxJsonString = 4096;   // characters of one string (keys too)

// The body as a JSON object, or INVALID_REQUEST (also over a limit above).
[[nodiscard]] Result<Json> ParseObject(std::string_view body);

[[nodiscard]] Result<std::string> RequireString(const Json& object, std::string_view field);
// An id: a JSON integer in 1..INT64_MAX.
[[nodiscard]] Result<std::int64_t> RequireId(const Json& object, std::string_view field);
[[nodiscard]] Result<std::optional<std::int64_t>> OptionalId(const Json& object, std::string_view field);
// Any JSON integer that fits int64 (ranges are the domain's to check).
[[nodiscard]] Result<std::int64_t> RequireInt(const Json& object, std::string_view field);
// Money: a JSON integer >= min (INVALID_AMOUNT if below or beyond int64).
[[nodiscard]] Result<Money> RequireMoney(const Json& object, std::string_view field, Money min);

// A path segment that must be an id.
[[nodiscard]] Result<std::int64_t> ParseIdSegment(std::string_view segment);

// A query parameter (decoded), if present.
std::optional<std::string> QueryParam(std::string_view query, std::string_view name);
// An integer query parameter within [lo, hi], or `fallback` when absent.
[[nodiscard]] Result<std::int64_t> QueryInt(std::string_view query, std::string_view name,
                                            std::int64_t fallback, std::int64_t lo, std::int64_t hi);

// Opaque page cursors: a tag letter and a hex number ("p1f").
std::string EncodeCursor(char tag, std::uint64_t value);
// 0 when absent; INVALID_REQUEST when not a cursor with this tag.
[[nodiscard]] Result<std::uint64_t> DecodeCursor(char tag, const std::optional<std::string>& cursor);

HttpResponse JsonResponse(int status, const Json& body);
HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message);
// Maps any error (request shape, domain, command) to its status and code:
//   ApiErrc::kInvalidRequest          -> 400 INVALID_REQUEST
//   DomainErrc                        -> 400/403/404/409, one code each
//   CommandErrc::kRequestInProgress   -> 409 REQUEST_IN_PROGRESS
//   CommandErrc::kIdempotencyKeyReused-> 422 IDEMPOTENCY_KEY_REUSED
//   CommandErrc::kStoreUnavailable    -> 503 STORE_UNAVAILABLE (the log refused or failed the append)
//   CommandErrc::kOverloaded          -> 503 OVERLOADED
//   anything else (store, read model) -> 500 INTERNAL, saying nothing internal
// (503 NOT_READY, "not caught up", is answered by the routes that wait.)
HttpResponse ErrorResponse(const Error& error);

}  // namespace eventmart
