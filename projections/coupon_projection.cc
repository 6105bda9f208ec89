#include "projections/coupon_projection.h"

#include "eventstore/fields_codec.h"
#include "projections/keys.h"

namespace eventmart {
namespace {

struct CouponRecord {
  std::string name;
  std::string discount_type;
  std::int64_t discount_value = 0;
  Quantity total_quantity = 0;
  Quantity remaining_quantity = 0;
  TimeMs expires_at_ms = 0;
  TimeMs issue_from_ms = 0;
  TimeMs issue_until_ms = 0;
  bool paused = false;
  std::vector<ProductId> product_ids;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("name", s.name);
    v("discountType", s.discount_type);
    v("discountValue", s.discount_value);
    v("totalQuantity", s.total_quantity);
    v("remainingQuantity", s.remaining_quantity);
    v("expiresAtMs", s.expires_at_ms);
    v("issueFromMs", s.issue_from_ms);
    v("issueUntilMs", s.issue_until_ms);
    v("paused", s.paused);
    v("productIds", s.product_ids);
  }
};

struct HeldCouponRecord {
  CouponId coupon_id = 0;
  std::int64_t status = 0;  // UserCouponStatus
  TimeMs issued_at_ms = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("couponId", s.coupon_id);
    v("status", s.status);
    v("issuedAtMs", s.issued_at_ms);
  }
};

struct CouponRequestRecord {
  CouponId coupon_id = 0;
  UserId user_id = 0;
  std::string status;  // PENDING, ISSUED, REJECTED
  std::string code;
  UserCouponId user_coupon_id = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("couponId", s.coupon_id);
    v("userId", s.user_id);
    v("status", s.status);
    v("code", s.code);
    v("userCouponId", s.user_coupon_id);
  }
};

// nullopt if the stored discount type is not one this build knows.
std::optional<CouponView> ToView(CouponId id, const CouponRecord& r) {
  auto type = ParseDiscountType(r.discount_type);
  if (!type) return std::nullopt;
  return CouponView{.coupon_id = id, .name = r.name, .type = *type, .value = r.discount_value,
                    .total_quantity = r.total_quantity, .remaining_quantity = r.remaining_quantity,
                    .expires_at_ms = r.expires_at_ms, .issue_from_ms = r.issue_from_ms,
                    .issue_until_ms = r.issue_until_ms, .paused = r.paused, .product_ids = r.product_ids};
}

}  // namespace

namespace {

// Records it reads back are its own: one it cannot read or decode fails
// the fold. One that is absent (an event without its creation before it)
// is left alone, as it always was.
struct CouponFolder {
  ReadModelWriter& out;
  Result<void> operator()(const CouponCreated& e) {
    out.Put(keys::Tagged('c', e.coupon_id),
            EncodeFields(CouponRecord{e.name, std::string(DiscountTypeName(e.discount_type)), e.discount_value,
                                      e.total_quantity, e.total_quantity, e.expires_at_ms, e.issue_from_ms,
                                      e.issue_until_ms, false, e.product_ids}));
    return {};
  }
  Result<void> operator()(const CouponPaused& e) { return SetPaused(e.coupon_id, true); }
  Result<void> operator()(const CouponResumed& e) { return SetPaused(e.coupon_id, false); }

  Result<void> SetPaused(CouponId id, bool paused) {
    std::string key = keys::Tagged('c', id);
    auto stored = out.Get(key);
    if (!stored) return Fail(stored.error());
    if (!*stored) return {};
    auto record = DecodeFields<CouponRecord>(**stored);
    if (!record) return CorruptRecord(out.prefix(), key, "coupon record");
    record->paused = paused;
    out.Put(key, EncodeFields(*record));
    return {};
  }
  Result<void> operator()(const CouponIssued& e) {
    std::string key = keys::Tagged('c', e.coupon_id);
    auto stored = out.Get(key);
    if (!stored) return Fail(stored.error());
    if (*stored) {
      auto record = DecodeFields<CouponRecord>(**stored);
      if (!record) return CorruptRecord(out.prefix(), key, "coupon record");
      record->remaining_quantity = e.remaining_after;
      out.Put(key, EncodeFields(*record));
    }
    out.Put(keys::Tagged('u', e.user_id, e.user_coupon_id),
            EncodeFields(HeldCouponRecord{e.coupon_id, static_cast<std::int64_t>(UserCouponStatus::kIssued),
                                          e.issued_at_ms}));
    return {};
  }
  Result<void> operator()(const CouponReserved& e) {
    return SetStatus(e.user_id, e.user_coupon_id, UserCouponStatus::kReserved);
  }
  Result<void> operator()(const CouponUsed& e) { return SetStatus(e.user_id, e.user_coupon_id, UserCouponStatus::kUsed); }
  Result<void> operator()(const CouponReleased& e) {
    return SetStatus(e.user_id, e.user_coupon_id, UserCouponStatus::kIssued);
  }
  Result<void> operator()(const CouponRequested& e) {
    out.Put(keys::Tagged('r', e.request_id), EncodeFields(CouponRequestRecord{e.coupon_id, e.user_id, "PENDING", "", 0}));
    return {};
  }
  Result<void> operator()(const CouponRequestDecided& e) {
    out.Put(keys::Tagged('r', e.request_id),
            EncodeFields(CouponRequestRecord{e.coupon_id, e.user_id, std::string(CouponRequestStatusName(e.status)),
                                             e.code, e.user_coupon_id}));
    return {};
  }
  Result<void> operator()(const auto&) { return {}; }

  Result<void> SetStatus(UserId user, UserCouponId held_id, UserCouponStatus status) {
    std::string key = keys::Tagged('u', user, held_id);
    auto stored = out.Get(key);
    if (!stored) return Fail(stored.error());
    if (!*stored) return {};
    auto held = DecodeFields<HeldCouponRecord>(**stored);
    if (!held) return CorruptRecord(out.prefix(), key, "held coupon record");
    held->status = static_cast<std::int64_t>(status);
    out.Put(key, EncodeFields(*held));
    return {};
  }
};

}  // namespace

Result<void> CouponProjection::Apply(const RecordedEventView&, const DomainEvent& event, ReadModelWriter& out) {
  return std::visit(CouponFolder{out}, event);
}

Result<std::optional<CouponView>> CouponQueries::FindCoupon(CouponId id) const {
  std::string key = keys::Tagged('c', id);
  auto stored = reader_.Get(key);
  if (!stored) return Fail(stored.error());
  if (!*stored) return std::optional<CouponView>();
  auto record = DecodeFields<CouponRecord>(**stored);
  if (!record) return CorruptRecord(reader_.prefix(), key, "coupon record");
  auto view = ToView(id, *record);
  if (!view) return CorruptRecord(reader_.prefix(), key, "coupon record (discount type)");
  return view;
}

Result<std::optional<CouponRequestView>> CouponQueries::FindRequest(CouponRequestId id) const {
  std::string key = keys::Tagged('r', id);
  auto stored = reader_.Get(key);
  if (!stored) return Fail(stored.error());
  if (!*stored) return std::optional<CouponRequestView>();
  auto r = DecodeFields<CouponRequestRecord>(**stored);
  if (!r) return CorruptRecord(reader_.prefix(), key, "coupon request record");
  return CouponRequestView{.request_id = id, .coupon_id = r->coupon_id, .user_id = r->user_id,
                           .status = std::move(r->status), .code = std::move(r->code),
                           .user_coupon_id = r->user_coupon_id};
}

Result<std::optional<UserCouponView>> CouponQueries::FindHeld(UserId user, UserCouponId id, TimeMs now_ms) const {
  std::string key = keys::Tagged('u', user, id);
  auto stored = reader_.Get(key);
  if (!stored) return Fail(stored.error());
  if (!*stored) return std::optional<UserCouponView>();
  auto held = DecodeFields<HeldCouponRecord>(**stored);
  if (!held) return CorruptRecord(reader_.prefix(), key, "held coupon record");
  auto coupon = FindCoupon(held->coupon_id);
  if (!coupon) return Fail(coupon.error());
  if (!*coupon) return std::optional<UserCouponView>();
  auto status = static_cast<UserCouponStatus>(held->status);
  if (status == UserCouponStatus::kIssued && IsExpired((*coupon)->expires_at_ms, now_ms)) {
    status = UserCouponStatus::kExpired;
  }
  return UserCouponView{.user_coupon_id = id, .user_id = user, .coupon = std::move(**coupon), .status = status,
                        .issued_at_ms = held->issued_at_ms};
}

Result<CouponPage> CouponQueries::List(CouponId after, std::size_t limit) const {
  CouponPage page;
  auto scanned = reader_.Scan("c", keys::Tagged('c', after + 1), /*reverse=*/false,
                              [&](std::string_view key, std::string_view value) -> Result<bool> {
    auto record = DecodeFields<CouponRecord>(value);
    if (!record || key.size() != 9) return CorruptRecord(reader_.prefix(), key, "coupon record");
    if (page.items.size() == limit) {
      page.next = page.items.back().coupon_id;
      return false;
    }
    auto view = ToView(keys::IdAt(key, 1), *record);
    if (!view) return CorruptRecord(reader_.prefix(), key, "coupon record (discount type)");
    page.items.push_back(std::move(*view));
    return true;
  });
  if (!scanned) return Fail(scanned.error());
  return page;
}

Result<std::vector<UserCouponView>> CouponQueries::HeldBy(UserId user, bool all, TimeMs now_ms) const {
  std::vector<UserCouponView> out;
  std::string prefix = keys::Tagged('u', user);
  auto scanned = reader_.Scan(prefix, prefix, /*reverse=*/false,
                              [&](std::string_view key, std::string_view value) -> Result<bool> {
    auto held = DecodeFields<HeldCouponRecord>(value);
    if (!held || key.size() != 17) return CorruptRecord(reader_.prefix(), key, "held coupon record");
    auto found = FindCoupon(held->coupon_id);
    if (!found) return Fail(found.error());
    if (!*found) return true;
    const CouponView& coupon = **found;
    auto status = static_cast<UserCouponStatus>(held->status);
    if (status == UserCouponStatus::kIssued && IsExpired(coupon.expires_at_ms, now_ms)) {
      status = UserCouponStatus::kExpired;
    }
    if (!all && status != UserCouponStatus::kIssued) return true;
    out.push_back({.user_coupon_id = keys::IdAt(key, 9), .user_id = user, .coupon = coupon, .status = status,
                   .issued_at_ms = held->issued_at_ms});
    return true;
  });
  if (!scanned) return Fail(scanned.error());
  return out;
}

}  // namespace eventmart
