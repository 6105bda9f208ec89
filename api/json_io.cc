#include "api/json_io.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "api/api_errors.h"
#include "commands/command_errors.h"
#include "domain/errors.h"

namespace eventmart {
namespace {

std::unexpected<Error> Invalid(std::string message) {
  return Fail(ApiErrc::kInvalidRequest, std::move(message));
}

struct StatusCode {
  int status;
  const char* code;
};

StatusCode ForDomain(DomainErrc e) {
  switch (e) {
    case DomainErrc::kInvalidRequest: return {400, "INVALID_REQUEST"};
    case DomainErrc::kInvalidAmount: return {400, "INVALID_AMOUNT"};
    case DomainErrc::kUserNotFound: return {404, "USER_NOT_FOUND"};
    case DomainErrc::kProductNotFound: return {404, "PRODUCT_NOT_FOUND"};
    case DomainErrc::kCouponNotFound: return {404, "COUPON_NOT_FOUND"};
    case DomainErrc::kOrderNotFound: return {404, "ORDER_NOT_FOUND"};
    case DomainErrc::kForbidden: return {403, "FORBIDDEN"};
    case DomainErrc::kBalanceLimitExceeded: return {409, "BALANCE_LIMIT_EXCEEDED"};
    case DomainErrc::kInsufficientBalance: return {409, "INSUFFICIENT_BALANCE"};
    case DomainErrc::kOutOfStock: return {409, "OUT_OF_STOCK"};
    case DomainErrc::kCouponSoldOut: return {409, "COUPON_SOLD_OUT"};
    case DomainErrc::kCouponAlreadyIssued: return {409, "COUPON_ALREADY_ISSUED"};
    case DomainErrc::kCouponNotUsable: return {409, "COUPON_NOT_USABLE"};
    case DomainErrc::kOrderNotPayable: return {409, "ORDER_NOT_PAYABLE"};
    case DomainErrc::kOrderNotCancellable: return {409, "ORDER_NOT_CANCELLABLE"};
    case DomainErrc::kProductNotSellable: return {409, "PRODUCT_NOT_SELLABLE"};
    case DomainErrc::kCouponNotIssuable: return {409, "COUPON_NOT_ISSUABLE"};
  }
  return {500, "INTERNAL"};
}

StatusCode ForCommand(CommandErrc e) {
  switch (e) {
    case CommandErrc::kRequestInProgress: return {409, "REQUEST_IN_PROGRESS"};
    case CommandErrc::kIdempotencyKeyReused: return {422, "IDEMPOTENCY_KEY_REUSED"};
    case CommandErrc::kStoreUnavailable: return {503, "STORE_UNAVAILABLE"};
    case CommandErrc::kOverloaded: return {503, "OVERLOADED"};
    case CommandErrc::kNotReady: return {503, "NOT_READY"};
  }
  return {500, "INTERNAL"};
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 && HexValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// Walks the bytes once, before any parsing, and names the first limit the
// body breaks (nullopt if none). Cheap enough for every body (<= 64 KiB):
// a parser never sees 30,000 nested arrays. Characters are counted as
// code points (a UTF-8 continuation byte adds nothing) and an escape
// (\n, \u00e9) as one; syntax errors are left to the parser.
std::optional<std::string> BrokenLimit(std::string_view body) {
  std::size_t depth = 0, number = 0, chars = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(body[i]);
    if (in_string) {
      if (c == '"') {
        in_string = false;
        continue;
      }
      if (c == '\\') {
        ++i;
        if (i < body.size() && body[i] == 'u') i += 4;
      }
      if ((c & 0xC0) != 0x80 && ++chars > kMaxJsonString) {
        return "a string is longer than " + std::to_string(kMaxJsonString) + " characters";
      }
      continue;
    }
    bool numeric = (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
    number = numeric ? number + 1 : 0;
    if (number > kMaxJsonNumber) {
      return "a number is longer than " + std::to_string(kMaxJsonNumber) + " characters";
    }
    if (c == '"') {
      in_string = true;
      chars = 0;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) return "the JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<Json> ParseObject(std::string_view body) {
  if (auto broken = BrokenLimit(body)) return Invalid("the body is over a limit: " + *broken);
  Json j = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Invalid("the body is not valid JSON");
  if (!j.is_object()) return Invalid("the body must be a JSON object");
  return j;
}

Result<std::string> RequireString(const Json& object, std::string_view field) {
  auto it = object.find(field);
  if (it == object.end() || !it->is_string()) {
    return Invalid("'" + std::string(field) + "' must be a string");
  }
  return it->get<std::string>();
}

Result<std::int64_t> RequireId(const Json& object, std::string_view field) {
  auto it = object.find(field);
  std::string name(field);
  if (it == object.end() || !it->is_number()) return Invalid("'" + name + "' must be an integer id");
  if (it->is_number_unsigned()) {
    if (it->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
        it->get<std::uint64_t>() == 0) {
      return Invalid("'" + name + "' is out of range");
    }
    return static_cast<std::int64_t>(it->get<std::uint64_t>());
  }
  if (it->is_number_integer() && it->get<std::int64_t>() > 0) return it->get<std::int64_t>();
  return Invalid("'" + name + "' must be a positive integer id");
}

Result<std::optional<std::int64_t>> OptionalId(const Json& object, std::string_view field) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::optional<std::int64_t>();
  auto id = RequireId(object, field);
  if (!id) return Fail(id.error());
  return std::optional<std::int64_t>(*id);
}

Result<std::int64_t> RequireInt(const Json& object, std::string_view field) {
  auto it = object.find(field);
  std::string name(field);
  if (it == object.end() || !it->is_number() || it->is_number_float()) return Invalid("'" + name + "' must be an integer");
  if (it->is_number_unsigned() &&
      it->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return Invalid("'" + name + "' is out of range");
  }
  return it->get<std::int64_t>();
}

Result<Money> RequireMoney(const Json& object, std::string_view field, Money min) {
  auto it = object.find(field);
  std::string name(field);
  if (it == object.end() || !it->is_number()) return Invalid("'" + name + "' must be an integer");
  auto out_of_range = [&] {
    return Fail(DomainErrc::kInvalidAmount,
                "'" + name + "' must be an integer from " + std::to_string(min) + " to " +
                    std::to_string(std::numeric_limits<Money>::max()));
  };
  if (it->is_number_float()) {
    // Integers too long for 64 bits arrive as floats: out of range, not mistyped.
    double v = it->get<double>();
    if (std::isfinite(v) && std::trunc(v) == v && std::fabs(v) >= 9.2e18) return out_of_range();
    return Invalid("'" + name + "' must be an integer");
  }
  if (it->is_number_unsigned() &&
      it->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<Money>::max())) {
    return out_of_range();
  }
  Money v = it->get<Money>();
  if (v < min) return out_of_range();
  return v;
}

Result<std::int64_t> ParseIdSegment(std::string_view segment) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), value);
  if (segment.empty() || ec != std::errc() || end != segment.data() + segment.size() || value <= 0 ||
      segment.front() == '+' || segment.front() == '-') {
    return Invalid("'" + std::string(segment.substr(0, 40)) + "' is not a valid id");
  }
  return value;
}

std::optional<std::string> QueryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = pair.find('=');
    if (PercentDecode(pair.substr(0, eq)) != name) continue;
    return eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

Result<std::int64_t> QueryInt(std::string_view query, std::string_view name, std::int64_t fallback,
                              std::int64_t lo, std::int64_t hi) {
  auto text = QueryParam(query, name);
  if (!text) return fallback;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size() || value < lo ||
      value > hi) {
    // Appended piece by piece: "'" + std::string(...) trips g++ 12's -Wrestrict false positive.
    std::string message(1, '\'');
    message.append(name).append("' must be an integer from ").append(std::to_string(lo));
    message.append(" to ").append(std::to_string(hi));
    return Invalid(message);
  }
  return value;
}

std::string EncodeCursor(char tag, std::uint64_t value) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%c%llx", tag, static_cast<unsigned long long>(value));
  return buf;
}

Result<std::uint64_t> DecodeCursor(char tag, const std::optional<std::string>& cursor) {
  if (!cursor) return std::uint64_t{0};
  const std::string& c = *cursor;
  std::uint64_t value = 0;
  if (c.size() < 2 || c[0] != tag) return Invalid("'cursor' is not a cursor this route issued");
  auto [end, ec] = std::from_chars(c.data() + 1, c.data() + c.size(), value, 16);
  if (ec != std::errc() || end != c.data() + c.size() || value == 0) {
    return Invalid("'cursor' is not a cursor this route issued");
  }
  return value;
}

HttpResponse JsonResponse(int status, const Json& body) {
  return HttpResponse{.status = status, .body = body.dump(-1, ' ', false, Json::error_handler_t::replace)};
}

HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message) {
  return JsonResponse(status, Json{{"code", code}, {"message", message}});
}

HttpResponse ErrorResponse(const Error& error) {
  StatusCode sc{500, "INTERNAL"};
  if (error.code.category() == ApiCategory()) {
    sc = {400, "INVALID_REQUEST"};  // the only ApiErrc: the request's shape
  } else if (error.code.category() == DomainCategory()) {
    sc = ForDomain(static_cast<DomainErrc>(error.code.value()));
  } else if (error.code.category() == CommandCategory()) {
    sc = ForCommand(static_cast<CommandErrc>(error.code.value()));
  }
  // Internal details stay in the log, not in the answer.
  std::string message = sc.status >= 500 && sc.status != 503 ? "internal error" : error.Describe();
  return ErrorResponse(sc.status, sc.code, message);
}

}  // namespace eventmart
