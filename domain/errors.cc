#include "domain/errors.h"

#include <string>

namespace eventmart {
namespace {

class DomainCategoryImpl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "eventmart.domain"; }
  std::string message(int value) const override {
    switch (static_cast<DomainErrc>(value)) {
      case DomainErrc::kInvalidRequest: return "invalid request";
      case DomainErrc::kInvalidAmount: return "invalid amount";
      case DomainErrc::kUserNotFound: return "user not found";
      case DomainErrc::kProductNotFound: return "product not found";
      case DomainErrc::kCouponNotFound: return "coupon not found";
      case DomainErrc::kOrderNotFound: return "order not found";
      case DomainErrc::kForbidden: return "belongs to another user";
      case DomainErrc::kBalanceLimitExceeded: return "balance limit exceeded";
      case DomainErrc::kInsufficientBalance: return "insufficient balance";
      case DomainErrc::kOutOfStock: return "out of stock";
      case DomainErrc::kCouponSoldOut: return "coupon sold out";
      case DomainErrc::kCouponAlreadyIssued: return "coupon already issued to this user";
      case DomainErrc::kCouponNotUsable: return "coupon not usable";
      case DomainErrc::kOrderNotPayable: return "order not payable";
      case DomainErrc::kOrderNotCancellable: return "order not cancellable";
      case DomainErrc::kProductNotSellable: return "product not on sale";
      case DomainErrc::kCouponNotIssuable: return "coupon not issuable now";
    }
    return "unknown domain error";
  }
};

}  // namespace

const std::error_category& DomainCategory() {
  static const DomainCategoryImpl category;
  return category;
}

}  // namespace eventmart
