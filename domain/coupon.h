// domain/coupon.h
// First-come-first-served coupons: at most total_quantity issued, at most
// one per user. Decided in sequence by the single writer, so "first come"
// is the order in which requests reach it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "domain/events.h"
#include "domain/result.h"

namespace eventmart {

struct NewCoupon {
  std::string name;
  DiscountType type = DiscountType::kFixed;
  std::int64_t value = 0;  // won off (FIXED) or percent off (RATE)
  Quantity total_quantity = 0;
  TimeMs expires_at_ms = 0;  // 0: never
  TimeMs issue_from_ms = 0;   // 0: at once
  TimeMs issue_until_ms = 0;  // 0: no end
  std::vector<ProductId> product_ids;  // empty: every product
};

inline constexpr std::size_t kMaxCouponProducts = 1000;

enum class HeldStatus : std::uint8_t { kIssued, kReserved, kUsed };
std::string_view NameOf(HeldStatus status);  // ISSUED, RESERVED, USED
std::optional<HeldStatus> ParseNamed(std::string_view name, const HeldStatus*);

struct HeldCoupon {
  UserCouponId user_coupon_id = 0;
  HeldStatus status = HeldStatus::kIssued;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("userCouponId", s.user_coupon_id);
    v("status", s.status);
  }
  friend bool operator==(const HeldCoupon&, const HeldCoupon&) = default;
};

// A coupon (stream coupon-N): its terms and who holds one.
struct CouponState {
  using Stream = CouponStream;
  std::string name;
  DiscountType type = DiscountType::kFixed;
  std::int64_t value = 0;
  Quantity total_quantity = 0;
  Quantity issued = 0;
  TimeMs expires_at_ms = 0;
  TimeMs issue_from_ms = 0;
  TimeMs issue_until_ms = 0;
  bool paused = false;
  std::vector<ProductId> product_ids;  // sorted; empty: every product
  // One entry per user who holds one, for as long as the coupon lives (a
  // storm issues 100k): an open-addressing map keeps a 24-byte slot per
  // holder, where a node map allocated a node each (about 56 bytes).
  absl::flat_hash_map<UserId, HeldCoupon> holders;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("name", s.name);
    v("type", s.type);
    v("value", s.value);
    v("totalQuantity", s.total_quantity);
    v("issued", s.issued);
    v("expiresAtMs", s.expires_at_ms);
    v("issueFromMs", s.issue_from_ms);
    v("issueUntilMs", s.issue_until_ms);
    v("paused", s.paused);
    v("productIds", s.product_ids);
    v("holders", s.holders);
  }
  friend bool operator==(const CouponState&, const CouponState&) = default;
};

[[nodiscard]] Result<void> ValidateNewCoupon(const NewCoupon& coupon);
// The products named are stored sorted and once each; their existence is
// the command's to check (decide.h).
[[nodiscard]] Result<CouponCreated> DecideCreateCoupon(CouponId id, const NewCoupon& coupon);

// Whether a coupon may be issued at now_ms: inside its window, not paused.
[[nodiscard]] bool IsIssuable(const CouponState& coupon, TimeMs now_ms);

// Checks in order: already issued to this user, not issuable (window,
// pause), sold out, expired.
[[nodiscard]] Result<CouponIssued> DecideIssueCoupon(const CouponState& coupon, CouponId coupon_id, UserId user,
                                                     UserCouponId user_coupon_id, TimeMs now_ms);

bool IsExpired(TimeMs expires_at_ms, TimeMs now_ms);

// The coupon a user wants to apply, as the order sees it.
struct CouponToApply {
  CouponId coupon_id = 0;
  UserCouponId user_coupon_id = 0;
  DiscountType type = DiscountType::kFixed;
  std::int64_t value = 0;
  std::vector<ProductId> product_ids;  // the lines it discounts; empty: all

  bool Covers(ProductId product) const;
};

// The user's coupon, if it can go on an order now: held, ISSUED (not
// reserved by another order or used), not expired. COUPON_NOT_USABLE says why not.
[[nodiscard]] Result<CouponToApply> UsableCoupon(const CouponState& coupon, CouponId coupon_id, UserId user,
                                                 TimeMs now_ms);

void Evolve(CouponState& coupon, const CouponCreated& event);
void Evolve(CouponState& coupon, const CouponIssued& event);
void Evolve(CouponState& coupon, const CouponReserved& event);
void Evolve(CouponState& coupon, const CouponUsed& event);
void Evolve(CouponState& coupon, const CouponReleased& event);
void Evolve(CouponState& coupon, const CouponPaused& event);
void Evolve(CouponState& coupon, const CouponResumed& event);

}  // namespace eventmart
