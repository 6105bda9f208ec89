#include "projections/order_projection.h"

#include "eventstore/fields_codec.h"
#include "projections/keys.h"

namespace eventmart {
namespace {

struct OrderRecord {
  UserId user_id = 0;
  std::string status;
  std::vector<OrderLine> lines;
  Money total_amount = 0;
  Money discount_amount = 0;
  Money pay_amount = 0;
  CouponId coupon_id = 0;
  TimeMs created_at_ms = 0;
  TimeMs expires_at_ms = 0;
  TimeMs paid_at_ms = 0;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("userId", s.user_id);
    v("status", s.status);
    v("lines", s.lines);
    v("totalAmount", s.total_amount);
    v("discountAmount", s.discount_amount);
    v("payAmount", s.pay_amount);
    v("couponId", s.coupon_id);
    v("createdAtMs", s.created_at_ms);
    v("expiresAtMs", s.expires_at_ms);
    v("paidAtMs", s.paid_at_ms);
  }
};

OrderView ToView(OrderId id, OrderRecord r) {
  return OrderView{.order_id = id, .user_id = r.user_id, .status = std::move(r.status), .lines = std::move(r.lines),
                   .total_amount = r.total_amount, .discount_amount = r.discount_amount, .pay_amount = r.pay_amount,
                   .coupon_id = r.coupon_id, .created_at_ms = r.created_at_ms, .expires_at_ms = r.expires_at_ms,
                   .paid_at_ms = r.paid_at_ms};
}

// An order it cannot read back or decode fails the fold; one that is
// absent (a status change without its placement) is left alone.
struct OrderFolder {
  ReadModelWriter& out;

  Result<void> operator()(const OrderPlaced& e) {
    out.Put(keys::Tagged('o', e.order_id),
            EncodeFields(OrderRecord{e.user_id, "NOT_PAID", e.lines, e.total_amount, e.discount_amount, e.pay_amount,
                                     e.coupon_id, e.created_at_ms, e.expires_at_ms, 0}));
    out.Put(keys::Tagged('u', e.user_id, e.order_id), "");
    return {};
  }
  // A paid order carries all of itself: written whole, without a read.
  Result<void> operator()(const OrderPaid& e) {
    out.Put(keys::Tagged('o', e.order_id),
            EncodeFields(OrderRecord{e.user_id, "PAID", e.lines, e.total_amount, e.discount_amount, e.pay_amount,
                                     e.coupon_id, e.created_at_ms, e.expires_at_ms, e.paid_at_ms}));
    return {};
  }
  Result<void> operator()(const OrderCancelled& e) { return SetStatus(e.order_id, "CANCELLED", 0); }
  Result<void> operator()(const OrderExpired& e) { return SetStatus(e.order_id, "EXPIRED", 0); }
  Result<void> operator()(const auto&) { return {}; }

  Result<void> SetStatus(OrderId id, const char* status, TimeMs paid_at_ms) {
    std::string key = keys::Tagged('o', id);
    auto stored = out.Get(key);
    if (!stored) return Fail(stored.error());
    if (!*stored) return {};
    auto record = DecodeFields<OrderRecord>(**stored);
    if (!record) return CorruptRecord(out.prefix(), key, "order record");
    record->status = status;
    record->paid_at_ms = paid_at_ms;
    out.Put(key, EncodeFields(*record));
    return {};
  }
};

}  // namespace

Result<void> OrderProjection::Apply(const RecordedEventView&, const DomainEvent& event, ReadModelWriter& out) {
  return std::visit(OrderFolder{out}, event);
}

Result<std::optional<OrderView>> OrderQueries::Find(OrderId id) const {
  std::string key = keys::Tagged('o', id);
  auto stored = reader_.Get(key);
  if (!stored) return Fail(stored.error());
  if (!*stored) return std::optional<OrderView>();
  auto record = DecodeFields<OrderRecord>(**stored);
  if (!record) return CorruptRecord(reader_.prefix(), key, "order record");
  return std::optional<OrderView>(ToView(id, std::move(*record)));
}

Result<OrderPage> OrderQueries::ByUser(UserId user, std::size_t limit, OrderId before) const {
  OrderPage page;
  std::string prefix = keys::Tagged('u', user);
  std::string start = keys::Tagged('u', user, before == 0 ? INT64_MAX : before - 1);
  auto scanned = reader_.Scan(prefix, start, /*reverse=*/true,
                              [&](std::string_view key, std::string_view) -> Result<bool> {
    if (key.size() != 17) return CorruptRecord(reader_.prefix(), key, "user's order key");
    if (page.items.size() == limit) {
      page.next_before = page.items.back().order_id;
      return false;
    }
    auto order = Find(keys::IdAt(key, 9));
    if (!order) return Fail(order.error());
    if (*order) page.items.push_back(std::move(**order));
    return true;
  });
  if (!scanned) return Fail(scanned.error());
  return page;
}

}  // namespace eventmart
