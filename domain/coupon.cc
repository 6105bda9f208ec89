#include "domain/coupon.h"

#include <algorithm>

#include "domain/account.h"
#include "domain/decide.h"
#include "domain/errors.h"

namespace eventmart {

std::string_view NameOf(HeldStatus status) {
  switch (status) {
    case HeldStatus::kIssued: return "ISSUED";
    case HeldStatus::kReserved: return "RESERVED";
    case HeldStatus::kUsed: return "USED";
  }
  return "ISSUED";
}

std::optional<HeldStatus> ParseNamed(std::string_view name, const HeldStatus*) {
  for (HeldStatus s : {HeldStatus::kIssued, HeldStatus::kReserved, HeldStatus::kUsed}) {
    if (NameOf(s) == name) return s;
  }
  return std::nullopt;
}

bool IsExpired(TimeMs expires_at_ms, TimeMs now_ms) { return expires_at_ms != 0 && now_ms >= expires_at_ms; }

bool IsIssuable(const CouponState& coupon, TimeMs now_ms) {
  if (coupon.paused || now_ms < coupon.issue_from_ms) return false;
  return coupon.issue_until_ms == 0 || now_ms < coupon.issue_until_ms;
}

bool CouponToApply::Covers(ProductId product) const {
  return product_ids.empty() || std::binary_search(product_ids.begin(), product_ids.end(), product);
}

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
  if (c.issue_from_ms < 0 || c.issue_until_ms < 0) {
    return Fail(DomainErrc::kInvalidRequest, "issueFrom and issueUntil are after 1970");
  }
  if (c.issue_until_ms != 0 && c.issue_until_ms <= c.issue_from_ms) {
    return Fail(DomainErrc::kInvalidRequest, "issueUntil must be after issueFrom");
  }
  if (c.product_ids.size() > kMaxCouponProducts) {
    return Fail(DomainErrc::kInvalidRequest, "a coupon names at most " + std::to_string(kMaxCouponProducts) + " products");
  }
  return {};
}

Result<CouponCreated> DecideCreateCoupon(CouponId id, const NewCoupon& c) {
  if (auto ok = ValidateNewCoupon(c); !ok) return Fail(ok.error());
  std::vector<ProductId> products = c.product_ids;
  std::sort(products.begin(), products.end());
  products.erase(std::unique(products.begin(), products.end()), products.end());
  return CouponCreated{.coupon_id = id, .name = c.name, .discount_type = c.type,
                       .discount_value = c.value, .total_quantity = c.total_quantity,
                       .expires_at_ms = c.expires_at_ms, .issue_from_ms = c.issue_from_ms,
                       .issue_until_ms = c.issue_until_ms, .product_ids = std::move(products)};
}

Result<CouponIssued> DecideIssueCoupon(const CouponState& coupon, CouponId coupon_id, UserId user,
                                       UserCouponId user_coupon_id, TimeMs now_ms) {
  if (coupon.holders.contains(user)) return Fail(DomainErrc::kCouponAlreadyIssued);
  if (!IsIssuable(coupon, now_ms)) {
    return Fail(DomainErrc::kCouponNotIssuable, coupon.paused ? "issuing is paused" : "outside the issuance window");
  }
  if (coupon.issued >= coupon.total_quantity) return Fail(DomainErrc::kCouponSoldOut);
  if (IsExpired(coupon.expires_at_ms, now_ms)) return Fail(DomainErrc::kCouponNotUsable, "the coupon has expired");
  return CouponIssued{.coupon_id = coupon_id, .user_id = user, .user_coupon_id = user_coupon_id,
                      .issued_at_ms = now_ms, .remaining_after = coupon.total_quantity - coupon.issued - 1};
}

Result<CouponToApply> UsableCoupon(const CouponState& coupon, CouponId coupon_id, UserId user, TimeMs now_ms) {
  auto held = coupon.holders.find(user);
  if (held == coupon.holders.end()) return Fail(DomainErrc::kCouponNotUsable, "the user does not hold this coupon");
  if (held->second.status != HeldStatus::kIssued) {
    return Fail(DomainErrc::kCouponNotUsable, "the coupon is already reserved or used");
  }
  if (IsExpired(coupon.expires_at_ms, now_ms)) return Fail(DomainErrc::kCouponNotUsable, "the coupon has expired");
  return CouponToApply{.coupon_id = coupon_id, .user_coupon_id = held->second.user_coupon_id, .type = coupon.type,
                       .value = coupon.value, .product_ids = coupon.product_ids};
}

void Evolve(CouponState& coupon, const CouponCreated& e) {
  coupon.name = e.name;
  coupon.type = e.discount_type;
  coupon.value = e.discount_value;
  coupon.total_quantity = e.total_quantity;
  coupon.expires_at_ms = e.expires_at_ms;
  coupon.issue_from_ms = e.issue_from_ms;
  coupon.issue_until_ms = e.issue_until_ms;
  coupon.product_ids = e.product_ids;
}

void Evolve(CouponState& coupon, const CouponIssued& e) {
  coupon.holders.emplace(e.user_id, HeldCoupon{e.user_coupon_id, HeldStatus::kIssued});
  ++coupon.issued;
}

void Evolve(CouponState& coupon, const CouponReserved& e) { coupon.holders[e.user_id].status = HeldStatus::kReserved; }
void Evolve(CouponState& coupon, const CouponUsed& e) { coupon.holders[e.user_id].status = HeldStatus::kUsed; }
void Evolve(CouponState& coupon, const CouponReleased& e) { coupon.holders[e.user_id].status = HeldStatus::kIssued; }
void Evolve(CouponState& coupon, const CouponPaused&) { coupon.paused = true; }
void Evolve(CouponState& coupon, const CouponResumed&) { coupon.paused = false; }

Result<Events> Decide(const StateView& state, const CreateCoupon& c, const DecideContext&) {
  if (auto valid = ValidateNewCoupon(c.coupon); !valid) return Fail(valid.error());
  for (ProductId product : c.coupon.product_ids) {
    if (state.FindProduct(product) == nullptr) {
      return Fail(DomainErrc::kProductNotFound, "the coupon names product " + std::to_string(product));
    }
  }
  return OneEvent(DecideCreateCoupon(state.last_ids().coupon + 1, c.coupon));
}

namespace {

Result<Events> SetPaused(const StateView& state, CouponId coupon_id, bool paused, TimeMs now_ms) {
  const CouponState* coupon = state.FindCoupon(coupon_id);
  if (coupon == nullptr) return Fail(DomainErrc::kCouponNotFound);
  Events events;
  if (coupon->paused == paused) return events;
  if (paused) {
    events.push_back(CouponPaused{.coupon_id = coupon_id, .at_ms = now_ms});
  } else {
    events.push_back(CouponResumed{.coupon_id = coupon_id, .at_ms = now_ms});
  }
  return events;
}

}  // namespace

Result<Events> Decide(const StateView& state, const PauseCoupon& c, const DecideContext& ctx) {
  return SetPaused(state, c.coupon_id, true, ctx.now_ms);
}

Result<Events> Decide(const StateView& state, const ResumeCoupon& c, const DecideContext& ctx) {
  return SetPaused(state, c.coupon_id, false, ctx.now_ms);
}

// The coupon is looked up before the user, as the contract's 404s are ordered.
Result<Events> Decide(const StateView& state, const IssueCoupon& c, const DecideContext& ctx) {
  const CouponState* coupon = state.FindCoupon(c.coupon_id);
  if (coupon == nullptr) return Fail(DomainErrc::kCouponNotFound);
  if (state.FindUser(c.user_id) == nullptr) return Fail(DomainErrc::kUserNotFound);
  return OneEvent(DecideIssueCoupon(*coupon, c.coupon_id, c.user_id, state.last_ids().user_coupon + 1, ctx.now_ms));
}

}  // namespace eventmart
