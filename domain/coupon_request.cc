#include "domain/coupon_request.h"

#include "domain/coupon.h"
#include "domain/decide.h"
#include "domain/errors.h"

namespace eventmart {

void Evolve(CouponRequestState& request, const CouponRequested& e) {
  request.coupon_id = e.coupon_id;
  request.user_id = e.user_id;
}

void Evolve(CouponRequestState& request, const CouponRequestDecided&) { request.decided = true; }

std::string_view CouponRejectionCode(const std::error_code& code) {
  if (code.category() != DomainCategory()) return "INTERNAL";
  switch (static_cast<DomainErrc>(code.value())) {
    case DomainErrc::kCouponNotFound: return "COUPON_NOT_FOUND";
    case DomainErrc::kUserNotFound: return "USER_NOT_FOUND";
    case DomainErrc::kCouponAlreadyIssued: return "COUPON_ALREADY_ISSUED";
    case DomainErrc::kCouponNotIssuable: return "COUPON_NOT_ISSUABLE";
    case DomainErrc::kCouponSoldOut: return "COUPON_SOLD_OUT";
    case DomainErrc::kCouponNotUsable: return "COUPON_NOT_USABLE";
    default: return "INTERNAL";
  }
}

// Existence is checked at once, as the synchronous route does (404): a
// coupon or user that does not exist now never will, so waiting changes
// nothing. Only the business rules (409) wait their turn.
Result<Events> Decide(const StateView& state, const RequestCoupon& c, const DecideContext& ctx) {
  if (state.FindCoupon(c.coupon_id) == nullptr) return Fail(DomainErrc::kCouponNotFound);
  if (state.FindUser(c.user_id) == nullptr) return Fail(DomainErrc::kUserNotFound);
  return Events{CouponRequested{.request_id = state.last_ids().coupon_request + 1, .coupon_id = c.coupon_id,
                                .user_id = c.user_id, .requested_at_ms = ctx.now_ms}};
}

// A request decided already, or unknown, records nothing. Otherwise the
// synchronous decision is made and its outcome recorded beside it.
Result<Events> Decide(const StateView& state, const DecideCouponRequest& c, const DecideContext& ctx) {
  const CouponRequestState* request = state.FindCouponRequest(c.request_id);
  if (request == nullptr || request->decided) return Events{};
  CouponRequestDecided decided{.request_id = c.request_id, .coupon_id = request->coupon_id,
                               .user_id = request->user_id, .decided_at_ms = ctx.now_ms};
  auto issued = Decide(state, IssueCoupon{.coupon_id = request->coupon_id, .user_id = request->user_id}, ctx);
  if (!issued) {
    decided.status = CouponRequestStatus::kRejected;
    decided.code = std::string(CouponRejectionCode(issued.error().code));
    return Events{std::move(decided)};
  }
  decided.status = CouponRequestStatus::kIssued;
  decided.user_coupon_id = std::get<CouponIssued>(issued->front()).user_coupon_id;
  issued->push_back(std::move(decided));
  return std::move(*issued);
}

}  // namespace eventmart
