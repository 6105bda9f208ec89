// projections/coupon_projection.h
// Coupons with their remaining quantity, and the coupons each user holds:
//   GET /api/v1/coupons/{id}, GET /api/v1/coupons?userId=, GET /api/v1/admin/coupons
// Keys (under "coupons/"):
//   c<couponId BE8>                 -> CouponRecord
//   u<userId BE8><userCouponId BE8> -> HeldCouponRecord
// Format 2 (seeds' rules): CouponRecord gains the issuance window, the
// pause and the product ids; format-1 records are rebuilt at start.
#pragma once

#include <optional>
#include <vector>

#include "domain/views.h"
#include "projections/projection.h"

namespace eventmart {

class CouponProjection final
    : public FoldOf<CouponProjection, CouponCreated, CouponIssued, CouponReserved, CouponUsed, CouponReleased,
                    CouponPaused, CouponResumed> {
 public:
  static constexpr std::string_view kName = "coupons";
  Result<void> Apply(const RecordedEventView& view, const DomainEvent& event, ReadModelWriter& out) override;
  std::uint32_t format_version() const override { return 2; }
};

using CouponPage = Page<CouponView, CouponId>;  // next: the highest key to go on from

// Each query fails (ReadModelErrc) when a read fails or a stored record
// cannot be decoded; an unknown id is nullopt.
class CouponQueries {
 public:
  explicit CouponQueries(ReadModelReader reader) : reader_(std::move(reader)) {}

  [[nodiscard]] Result<std::optional<CouponView>> FindCoupon(CouponId id) const;
  // Every coupon with an id above `after`, by id, at most `limit`.
  [[nodiscard]] Result<CouponPage> List(CouponId after, std::size_t limit) const;
  // The user's coupons, oldest first: usable ones only (ISSUED and not
  // expired at now_ms), or every one with its status when `all`.
  [[nodiscard]] Result<std::vector<UserCouponView>> HeldBy(UserId user, bool all, TimeMs now_ms) const;

 private:
  ReadModelReader reader_;
};

}  // namespace eventmart
