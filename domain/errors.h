// domain/errors.h
// Business rejections. A command rejected with one of these changed nothing;
// retrying the same command gives the same answer until the state changes.
#pragma once

#include <system_error>

namespace eventmart {

enum class DomainErrc {
  kInvalidRequest = 1,
  kInvalidAmount,
  kUserNotFound,
  kProductNotFound,
  kCouponNotFound,
  kOrderNotFound,
  kForbidden,
  kBalanceLimitExceeded,
  kInsufficientBalance,
  kOutOfStock,
  kCouponSoldOut,
  kCouponAlreadyIssued,
  kCouponNotUsable,
  kOrderNotPayable,
  kOrderNotCancellable,
  kProductNotSellable,
  kCouponNotIssuable,
};

const std::error_category& DomainCategory();

inline std::error_code make_error_code(DomainErrc e) {
  return {static_cast<int>(e), DomainCategory()};
}

}  // namespace eventmart

template <>
struct std::is_error_code_enum<eventmart::DomainErrc> : std::true_type {};
