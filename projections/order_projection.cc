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

struct OrderFolder {
  ReadModelWriter& out;

  void operator()(const OrderPlaced& e) {
    out.Put(keys::Tagged('o', e.order_id),
            EncodeFields(OrderRecord{e.user_id, "NOT_PAID", e.lines, e.total_amount, e.discount_amount, e.pay_amount,
                                     e.coupon_id, e.created_at_ms, e.expires_at_ms, 0}));
    out.Put(keys::Tagged('u', e.user_id, e.order_id), "");
  }
  // A paid order carries all of itself: written whole, without a read.
  void operator()(const OrderPaid& e) {
    out.Put(keys::Tagged('o', e.order_id),
            EncodeFields(OrderRecord{e.user_id, "PAID", e.lines, e.total_amount, e.discount_amount, e.pay_amount,
                                     e.coupon_id, e.created_at_ms, e.expires_at_ms, e.paid_at_ms}));
  }
  void operator()(const OrderCancelled& e) { SetStatus(e.order_id, "CANCELLED", 0); }
  void operator()(const OrderExpired& e) { SetStatus(e.order_id, "EXPIRED", 0); }
  void operator()(const auto&) {}

  void SetStatus(OrderId id, const char* status, TimeMs paid_at_ms) {
    std::string key = keys::Tagged('o', id);
    auto stored = out.Get(key);
    if (!stored) return;
    auto record = DecodeFields<OrderRecord>(*stored);
    if (!record) return;
    record->status = status;
    record->paid_at_ms = paid_at_ms;
    out.Put(key, EncodeFields(*record));
  }
};

}  // namespace

void OrderProjection::Apply(const RecordedEventView&, const DomainEvent& event, ReadModelWriter& out) {
  std::visit(OrderFolder{out}, event);
}

std::optional<OrderView> OrderQueries::Find(OrderId id) const {
  auto stored = reader_.Get(keys::Tagged('o', id));
  if (!stored) return std::nullopt;
  auto record = DecodeFields<OrderRecord>(*stored);
  if (!record) return std::nullopt;
  return ToView(id, std::move(*record));
}

OrderPage OrderQueries::ByUser(UserId user, std::size_t limit, OrderId before) const {
  OrderPage page;
  std::string prefix = keys::Tagged('u', user);
  std::string start = keys::Tagged('u', user, before == 0 ? INT64_MAX : before - 1);
  reader_.Scan(prefix, start, /*reverse=*/true, [&](std::string_view key, std::string_view) {
    if (page.items.size() == limit) {
      page.next_before = page.items.back().order_id;
      return false;
    }
    if (auto order = Find(keys::IdAt(key, 9))) page.items.push_back(std::move(*order));
    return true;
  });
  return page;
}

}  // namespace eventmart
