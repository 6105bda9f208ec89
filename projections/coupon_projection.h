// projections/coupon_projection.h
// Coupons with their remaining quantity, and the coupons each user holds:
//   GET /api/v1/coupons/{id}, GET /api/v1/coupons?userId=, GET /api/v1/admin/coupons
// Keys (under "coupons/"):
//   c<couponId BE8>                 -> CouponRecord
//   u<userId BE8><userCouponId BE8> -> HeldCouponRecord
//   r<requestId BE8>                -> CouponRequestRecord (the waiting room)
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
                    CouponPaused, CouponResumed, CouponRequested, CouponRequestDecided> {
 public:
  static constexpr std::string_view kName = "coupons";
  Result<void> Apply(const RecordedEventView& view, const DomainEvent& event, ReadModelWriter& out) override;
  std::uint32_t format_version() const override { return 2; }
};

using CouponPage = Page<CouponView, CouponId>;  // next: the highest key to go on from

// A waiting-room request as GET /api/v1/coupon-requests/{id} shows it.
struct CouponRequestView {
  CouponRequestId request_id = 0;
  CouponId coupon_id = 0;
  UserId user_id = 0;
  std::string status;  // PENDING, ISSUED or REJECTED
  std::string code;    // when REJECTED: the code a synchronous issue would have answered
  UserCouponId user_coupon_id = 0;  // when ISSUED
};  // next: the highest key to go on from

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
  // One coupon a user holds, with its status at now_ms.
  [[nodiscard]] Result<std::optional<UserCouponView>> FindHeld(UserId user, UserCouponId id, TimeMs now_ms) const;
  [[nodiscard]] Result<std::optional<CouponRequestView>> FindRequest(CouponRequestId id) const;

 private:
  ReadModelReader reader_;
};

}  // namespace eventmart
