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

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("name", s.name);
    v("discountType", s.discount_type);
    v("discountValue", s.discount_value);
    v("totalQuantity", s.total_quantity);
    v("remainingQuantity", s.remaining_quantity);
    v("expiresAtMs", s.expires_at_ms);
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

CouponView ToView(CouponId id, const CouponRecord& r) {
  return CouponView{.coupon_id = id, .name = r.name,
                    .type = ParseDiscountType(r.discount_type).value_or(DiscountType::kFixed),
                    .value = r.discount_value, .total_quantity = r.total_quantity,
                    .remaining_quantity = r.remaining_quantity, .expires_at_ms = r.expires_at_ms};
}

}  // namespace

namespace {

struct CouponFolder {
  ReadModelWriter& out;
  void operator()(const CouponCreated& e) {
    out.Put(keys::Tagged('c', e.coupon_id),
            EncodeFields(CouponRecord{e.name, std::string(DiscountTypeName(e.discount_type)), e.discount_value, e.total_quantity,
                                      e.total_quantity, e.expires_at_ms}));
  }
  void operator()(const CouponIssued& e) {
    std::string key = keys::Tagged('c', e.coupon_id);
    if (auto stored = out.Get(key)) {
      if (auto record = DecodeFields<CouponRecord>(*stored)) {
        record->remaining_quantity = e.remaining_after;
        out.Put(key, EncodeFields(*record));
      }
    }
    out.Put(keys::Tagged('u', e.user_id, e.user_coupon_id),
            EncodeFields(HeldCouponRecord{e.coupon_id, static_cast<std::int64_t>(UserCouponStatus::kIssued),
                                          e.issued_at_ms}));
  }
  void operator()(const CouponReserved& e) { SetStatus(e.user_id, e.user_coupon_id, UserCouponStatus::kReserved); }
  void operator()(const CouponUsed& e) { SetStatus(e.user_id, e.user_coupon_id, UserCouponStatus::kUsed); }
  void operator()(const CouponReleased& e) { SetStatus(e.user_id, e.user_coupon_id, UserCouponStatus::kIssued); }
  void operator()(const auto&) {}

  void SetStatus(UserId user, UserCouponId held_id, UserCouponStatus status) {
    std::string key = keys::Tagged('u', user, held_id);
    auto stored = out.Get(key);
    if (!stored) return;
    auto held = DecodeFields<HeldCouponRecord>(*stored);
    if (!held) return;
    held->status = static_cast<std::int64_t>(status);
    out.Put(key, EncodeFields(*held));
  }
};

}  // namespace

void CouponProjection::Apply(const RecordedEventView&, const DomainEvent& event, ReadModelWriter& out) {
  std::visit(CouponFolder{out}, event);
}

std::optional<CouponView> CouponQueries::FindCoupon(CouponId id) const {
  auto stored = reader_.Get(keys::Tagged('c', id));
  if (!stored) return std::nullopt;
  auto record = DecodeFields<CouponRecord>(*stored);
  if (!record) return std::nullopt;
  return ToView(id, *record);
}

CouponPage CouponQueries::List(CouponId after, std::size_t limit) const {
  CouponPage page;
  reader_.Scan("c", keys::Tagged('c', after + 1), /*reverse=*/false, [&](std::string_view key, std::string_view value) {
    auto record = DecodeFields<CouponRecord>(value);
    if (!record) return true;
    if (page.items.size() == limit) {
      page.next_after = page.items.back().coupon_id;
      return false;
    }
    page.items.push_back(ToView(keys::IdAt(key, 1), *record));
    return true;
  });
  return page;
}

std::vector<UserCouponView> CouponQueries::HeldBy(UserId user, bool all, TimeMs now_ms) const {
  std::vector<UserCouponView> out;
  std::string prefix = keys::Tagged('u', user);
  reader_.Scan(prefix, prefix, /*reverse=*/false, [&](std::string_view key, std::string_view value) {
    auto held = DecodeFields<HeldCouponRecord>(value);
    if (!held) return true;
    auto coupon = FindCoupon(held->coupon_id);
    if (!coupon) return true;
    auto status = static_cast<UserCouponStatus>(held->status);
    if (status == UserCouponStatus::kIssued && IsExpired(coupon->expires_at_ms, now_ms)) {
      status = UserCouponStatus::kExpired;
    }
    if (!all && status != UserCouponStatus::kIssued) return true;
    out.push_back({.user_coupon_id = keys::IdAt(key, 9), .user_id = user, .coupon = *coupon, .status = status,
                   .issued_at_ms = held->issued_at_ms});
    return true;
  });
  return out;
}

}  // namespace eventmart
