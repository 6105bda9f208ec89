// domain/ids.h
// Plain value types shared by every layer. Ids are server-assigned int64 > 0;
// money is whole won; times are milliseconds since the Unix epoch (UTC).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace eventmart {

using UserId = std::int64_t;
using ProductId = std::int64_t;
using OptionId = std::int64_t;
using CouponId = std::int64_t;
using UserCouponId = std::int64_t;
using OrderId = std::int64_t;
using PaymentId = std::int64_t;
using Money = std::int64_t;
using Quantity = std::int64_t;
using TimeMs = std::int64_t;

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

}  // namespace eventmart
