#include "domain/errors.h"

#include <string>

#include "domain/error_category.h"

namespace eventmart {

const std::error_category& DomainCategory() {
  static const CodeCategory<DomainErrc> category("eventmart.domain", {
      {DomainErrc::kInvalidRequest, "invalid request"},
      {DomainErrc::kInvalidAmount, "invalid amount"},
      {DomainErrc::kUserNotFound, "user not found"},
      {DomainErrc::kProductNotFound, "product not found"},
      {DomainErrc::kCouponNotFound, "coupon not found"},
      {DomainErrc::kOrderNotFound, "order not found"},
      {DomainErrc::kForbidden, "belongs to another user"},
      {DomainErrc::kBalanceLimitExceeded, "balance limit exceeded"},
      {DomainErrc::kInsufficientBalance, "insufficient balance"},
      {DomainErrc::kOutOfStock, "out of stock"},
      {DomainErrc::kCouponSoldOut, "coupon sold out"},
      {DomainErrc::kCouponAlreadyIssued, "coupon already issued to this user"},
      {DomainErrc::kCouponNotUsable, "coupon not usable"},
      {DomainErrc::kOrderNotPayable, "order not payable"},
      {DomainErrc::kOrderNotCancellable, "order not cancellable"},
      {DomainErrc::kProductNotSellable, "product not on sale"},
      {DomainErrc::kCouponNotIssuable, "coupon not issuable now"}});
  return category;
}

}  // namespace eventmart
