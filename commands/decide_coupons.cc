// First-come-first-served coupons.
#include "commands/decide_internal.h"
#include "domain/errors.h"

namespace eventmart::decide_internal {

Result<Decision> DecideOne(const WriteModel& model, const CreateCoupon& c, const DecideContext&) {
  auto event = DecideCreateCoupon(model.NextCouponId(), c.coupon);
  if (!event) return Fail(event.error());
  CouponView view{.coupon_id = event->coupon_id, .name = event->name, .type = c.coupon.type,
                  .value = event->discount_value, .total_quantity = event->total_quantity,
                  .remaining_quantity = event->total_quantity, .expires_at_ms = event->expires_at_ms};
  return Decision{.events = {std::move(*event)}, .reply = std::move(view)};
}

Result<Decision> DecideOne(const WriteModel& model, const IssueCoupon& c, const DecideContext& ctx) {
  const CouponState* coupon = model.FindCoupon(c.coupon_id);
  if (coupon == nullptr) return Fail(DomainErrc::kCouponNotFound);
  if (!model.HasUser(c.user_id)) return Fail(DomainErrc::kUserNotFound);
  auto event = DecideIssueCoupon(*coupon, c.coupon_id, c.user_id, model.NextUserCouponId(), ctx.now_ms);
  if (!event) return Fail(event.error());
  CouponView coupon_view = model.CouponViewOf(c.coupon_id);
  coupon_view.remaining_quantity = event->remaining_after;
  UserCouponView view{.user_coupon_id = event->user_coupon_id, .user_id = c.user_id, .coupon = coupon_view,
                      .status = UserCouponStatus::kIssued, .issued_at_ms = event->issued_at_ms};
  return Decision{.events = {*event}, .reply = std::move(view)};
}

}  // namespace eventmart::decide_internal
