// domain/coupon_request.h
// The coupon waiting room (Prefer: respond-async): a request is recorded
// first (CouponRequested, its own stream couponRequest-N) and answered 202;
// the command processor then decides every pending request in the order of
// the log with the synchronous issue's own rules (DecideIssueCoupon), so the
// guarantees are the same: never beyond the quantity, never two to one user.
#pragma once

#include <string_view>

#include "domain/events.h"
#include "domain/result.h"

namespace eventmart {

// A waiting-room request (stream couponRequest-N).
struct CouponRequestState {
  using Stream = CouponRequestStream;
  CouponId coupon_id = 0;
  UserId user_id = 0;
  bool decided = false;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("couponId", s.coupon_id);
    v("userId", s.user_id);
    v("decided", s.decided);
  }
  friend bool operator==(const CouponRequestState&, const CouponRequestState&) = default;
};

void Evolve(CouponRequestState& request, const CouponRequested& event);
void Evolve(CouponRequestState& request, const CouponRequestDecided& event);

// The contract's code of a rejection a synchronous issue can answer
// ("COUPON_SOLD_OUT"); these names are stored in CouponRequestDecided.
std::string_view CouponRejectionCode(const std::error_code& code);

}  // namespace eventmart
