// domain/ids.h
// Plain value types shared by every layer. Ids are server-assigned int64 > 0;
// money is whole won; times are milliseconds since the Unix epoch (UTC).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace eventmart {

// An id of one kind of thing. It is made from a number (a parsed path, a
// decoded key, a literal in a test) and reads as one (keys, JSON, sums), but
// never turns into an id of another kind: a UserId does not pass where a
// ProductId is expected, because that would take two conversions. There is
// no operator== of its own on purpose: comparisons go through the number,
// which keeps `id == 0` unambiguous.
template <class Tag>
class StrongId {
 public:
  constexpr StrongId() = default;
  constexpr StrongId(std::int64_t value) : value_(value) {}  // NOLINT: from a number, by design
  constexpr operator std::int64_t() const { return value_; }  // NOLINT
  constexpr std::int64_t value() const { return value_; }

 private:
  std::int64_t value_ = 0;
};

// JSON libraries that look for to_json/from_json by argument-dependent
// lookup (nlohmann) write an id as its number. No JSON header needed here.
template <class Json, class Tag>
void to_json(Json& json, StrongId<Tag> id) {
  json = id.value();
}
template <class Json, class Tag>
void from_json(const Json& json, StrongId<Tag>& id) {
  id = json.template get<std::int64_t>();
}

template <class T>
struct IsStrongId : std::false_type {};
template <class Tag>
struct IsStrongId<StrongId<Tag>> : std::true_type {};

using UserId = StrongId<struct UserTag>;
using ProductId = StrongId<struct ProductTag>;
using OptionId = StrongId<struct OptionTag>;
using CouponId = StrongId<struct CouponTag>;
using UserCouponId = StrongId<struct UserCouponTag>;
using OrderId = StrongId<struct OrderTag>;
using PaymentId = StrongId<struct PaymentTag>;
using CouponRequestId = StrongId<struct CouponRequestTag>;  // a waiting-room request
using Money = std::int64_t;
using Quantity = std::int64_t;
using TimeMs = std::int64_t;
using StreamVersion = std::uint64_t;  // 0 = the stream does not exist yet

inline constexpr Money kDefaultMaxBalance = 10'000'000;

// Limits that keep every sum and product of money and quantities far from
// int64 overflow (price * quantity * lines < 2^63).
inline constexpr Money kMaxPrice = 1'000'000'000;
inline constexpr Quantity kMaxStock = 1'000'000'000;
inline constexpr Quantity kMaxLineQuantity = 1'000'000;
inline constexpr Quantity kMaxCouponQuantity = 100'000'000;
inline constexpr std::size_t kMaxOrderLines = 100;

// Stream names are "<category>-<id>", e.g. "account-42". The category is what
// the Kafka topic and `replay --category` use.
inline std::string StreamName(std::string_view category, std::int64_t id) {
  std::string name(category);
  name.push_back('-');
  name += std::to_string(id);
  return name;
}

inline std::string_view CategoryOf(std::string_view stream) {
  return stream.substr(0, stream.find('-'));
}

// A string usable as a template argument (a stream kind's category).
template <std::size_t N>
struct FixedString {
  char text[N];
  constexpr FixedString(const char (&s)[N]) {  // NOLINT: from a literal, by design
    for (std::size_t i = 0; i < N; ++i) text[i] = s[i];
  }
  constexpr std::string_view view() const { return {text, N - 1}; }
};

// The kinds of stream, one per aggregate: each event names its kind
// (events.h), and so does the state folded from it.
template <FixedString Category, class IdType>
struct StreamKind {
  static constexpr std::string_view kCategory = Category.view();
  using Id = IdType;
};
using UserStream = StreamKind<"user", UserId>;
using AccountStream = StreamKind<"account", UserId>;
using ProductStream = StreamKind<"product", ProductId>;
using CouponStream = StreamKind<"coupon", CouponId>;
using CartStream = StreamKind<"cart", UserId>;
using OrderStream = StreamKind<"order", OrderId>;
using CouponRequestStream = StreamKind<"couponRequest", CouponRequestId>;

}  // namespace eventmart

template <class Tag>
struct std::hash<eventmart::StrongId<Tag>> {
  std::size_t operator()(eventmart::StrongId<Tag> id) const noexcept { return std::hash<std::int64_t>{}(id.value()); }
};
