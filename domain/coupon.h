// domain/coupon.h
// First-come-first-served coupons: at most total_quantity issued, at most
// one per user. Decided in sequence by the single writer, so "first come"
// is the order in which requests reach it.
#pragma once

#include <string>
#include <optional>
#include <unordered_map>

#include "domain/events.h"
#include "domain/result.h"

namespace eventmart {

enum class DiscountType { kFixed, kRate };

struct NewCoupon {
  std::string name;
  DiscountType type = DiscountType::kFixed;
  std::int64_t value = 0;  // won off (FIXED) or percent off (RATE)
  Quantity total_quantity = 0;
  TimeMs expires_at_ms = 0;  // 0: never
};

enum class HeldStatus { kIssued, kReserved, kUsed };

struct HeldCoupon {
  UserCouponId user_coupon_id = 0;
  HeldStatus status = HeldStatus::kIssued;
};

struct CouponState {
  std::string name;
  DiscountType type = DiscountType::kFixed;
  std::int64_t value = 0;
  Quantity total_quantity = 0;
  Quantity issued = 0;
  TimeMs expires_at_ms = 0;
  std::unordered_map<UserId, HeldCoupon> holders;
};

std::string_view DiscountTypeName(DiscountType type);
std::optional<DiscountType> ParseDiscountType(std::string_view name);

[[nodiscard]] Result<void> ValidateNewCoupon(const NewCoupon& coupon);
[[nodiscard]] Result<CouponCreated> DecideCreateCoupon(CouponId id, const NewCoupon& coupon);

// Checks in order: already issued to this user, sold out, expired.
[[nodiscard]] Result<CouponIssued> DecideIssueCoupon(const CouponState& coupon, CouponId coupon_id, UserId user,
                                                     UserCouponId user_coupon_id, TimeMs now_ms);

bool IsExpired(TimeMs expires_at_ms, TimeMs now_ms);

void Apply(CouponState& coupon, const CouponCreated& event);
void Apply(CouponState& coupon, const CouponIssued& event);
void Apply(CouponState& coupon, const CouponReserved& event);
void Apply(CouponState& coupon, const CouponUsed& event);
void Apply(CouponState& coupon, const CouponReleased& event);

}  // namespace eventmart
