#include "domain/coupon.h"

#include "domain/account.h"
#include "domain/errors.h"

namespace eventmart {

std::string_view DiscountTypeName(DiscountType type) { return type == DiscountType::kFixed ? "FIXED" : "RATE"; }

std::optional<DiscountType> ParseDiscountType(std::string_view name) {
  if (name == "FIXED") return DiscountType::kFixed;
  if (name == "RATE") return DiscountType::kRate;
  return std::nullopt;
}

bool IsExpired(TimeMs expires_at_ms, TimeMs now_ms) { return expires_at_ms != 0 && now_ms >= expires_at_ms; }

Result<void> ValidateNewCoupon(const NewCoupon& c) {
  if (c.name.empty() || c.name.size() > kMaxNameLength) {
    return Fail(DomainErrc::kInvalidRequest, "name must be 1 to " + std::to_string(kMaxNameLength) + " bytes");
  }
  if (c.type == DiscountType::kFixed && (c.value < 1 || c.value > kMaxPrice)) {
    return Fail(DomainErrc::kInvalidAmount, "a FIXED discountValue is from 1 to " + std::to_string(kMaxPrice) + " won");
  }
  if (c.type == DiscountType::kRate && (c.value < 1 || c.value > 100)) {
    return Fail(DomainErrc::kInvalidRequest, "a RATE discountValue is a percentage from 1 to 100");
  }
  if (c.total_quantity < 1 || c.total_quantity > kMaxCouponQuantity) {
    return Fail(DomainErrc::kInvalidRequest,
                "totalQuantity must be from 1 to " + std::to_string(kMaxCouponQuantity));
  }
  if (c.expires_at_ms < 0) return Fail(DomainErrc::kInvalidRequest, "expiresAt is before 1970");
  return {};
}

Result<CouponCreated> DecideCreateCoupon(CouponId id, const NewCoupon& c) {
  if (auto ok = ValidateNewCoupon(c); !ok) return Fail(ok.error());
  return CouponCreated{.coupon_id = id, .name = c.name, .discount_type = std::string(DiscountTypeName(c.type)),
                       .discount_value = c.value, .total_quantity = c.total_quantity,
                       .expires_at_ms = c.expires_at_ms};
}

Result<CouponIssued> DecideIssueCoupon(const CouponState& coupon, CouponId coupon_id, UserId user,
                                       UserCouponId user_coupon_id, TimeMs now_ms) {
  if (coupon.holders.contains(user)) return Fail(DomainErrc::kCouponAlreadyIssued);
  if (coupon.issued >= coupon.total_quantity) return Fail(DomainErrc::kCouponSoldOut);
  if (IsExpired(coupon.expires_at_ms, now_ms)) return Fail(DomainErrc::kCouponNotUsable, "the coupon has expired");
  return CouponIssued{.coupon_id = coupon_id, .user_id = user, .user_coupon_id = user_coupon_id,
                      .issued_at_ms = now_ms, .remaining_after = coupon.total_quantity - coupon.issued - 1};
}

void Apply(CouponState& coupon, const CouponCreated& e) {
  coupon.name = e.name;
  coupon.type = ParseDiscountType(e.discount_type).value_or(DiscountType::kFixed);
  coupon.value = e.discount_value;
  coupon.total_quantity = e.total_quantity;
  coupon.expires_at_ms = e.expires_at_ms;
}

void Apply(CouponState& coupon, const CouponIssued& e) {
  coupon.holders.emplace(e.user_id, HeldCoupon{e.user_coupon_id, HeldStatus::kIssued});
  ++coupon.issued;
}

void Apply(CouponState& coupon, const CouponReserved& e) { coupon.holders[e.user_id].status = HeldStatus::kReserved; }
void Apply(CouponState& coupon, const CouponUsed& e) { coupon.holders[e.user_id].status = HeldStatus::kUsed; }
void Apply(CouponState& coupon, const CouponReleased& e) { coupon.holders[e.user_id].status = HeldStatus::kIssued; }

}  // namespace eventmart
