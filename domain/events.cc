#include "domain/events.h"

namespace eventmart {

std::string_view DiscountTypeName(DiscountType type) { return type == DiscountType::kFixed ? "FIXED" : "RATE"; }

std::optional<DiscountType> ParseDiscountType(std::string_view name) {
  if (name == "FIXED") return DiscountType::kFixed;
  if (name == "RATE") return DiscountType::kRate;
  return std::nullopt;
}

std::string_view ProductStatusName(ProductStatus status) {
  return status == ProductStatus::kOnSale ? "ON_SALE" : "STOPPED";
}

std::optional<ProductStatus> ParseProductStatus(std::string_view name) {
  if (name == "ON_SALE") return ProductStatus::kOnSale;
  if (name == "STOPPED") return ProductStatus::kStopped;
  return std::nullopt;
}

std::string_view CouponRequestStatusName(CouponRequestStatus status) {
  return status == CouponRequestStatus::kIssued ? "ISSUED" : "REJECTED";
}

std::optional<CouponRequestStatus> ParseCouponRequestStatus(std::string_view name) {
  if (name == "ISSUED") return CouponRequestStatus::kIssued;
  if (name == "REJECTED") return CouponRequestStatus::kRejected;
  return std::nullopt;
}

std::string StreamOf(const DomainEvent& event) {
  return std::visit([](const auto& e) { return StreamOf(e); }, event);
}

}  // namespace eventmart
