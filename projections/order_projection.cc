#include "projections/order_projection.h"

#include "eventstore/fields_codec.h"
#include "projections/keys.h"

namespace eventmart {
namespace {

// An order it cannot read back or decode fails the fold; one that is
// absent (a status change without its placement) is left alone.
struct OrderFolder {
  ReadModelWriter& out;

  Result<void> operator()(const OrderPlaced& e) {
    out.Put(keys::Tagged('o', e.order_id),
            EncodeFields(OrderView{.order_id = 0, .user_id = e.user_id, .status = OrderStatus::kNotPaid,
                                   .lines = e.lines, .total_amount = e.total_amount,
                                   .discount_amount = e.discount_amount, .pay_amount = e.pay_amount,
                                   .coupon_id = e.coupon_id, .created_at_ms = e.created_at_ms,
                                   .expires_at_ms = e.expires_at_ms, .paid_at_ms = 0}));
    out.Put(keys::Tagged('u', e.user_id, e.order_id), "");
    return {};
  }
  // A paid order carries all of itself: written whole, without a read.
  Result<void> operator()(const OrderPaid& e) {
    out.Put(keys::Tagged('o', e.order_id),
            EncodeFields(OrderView{.order_id = 0, .user_id = e.user_id, .status = OrderStatus::kPaid,
                                   .lines = e.lines, .total_amount = e.total_amount,
                                   .discount_amount = e.discount_amount, .pay_amount = e.pay_amount,
                                   .coupon_id = e.coupon_id, .created_at_ms = e.created_at_ms,
                                   .expires_at_ms = e.expires_at_ms, .paid_at_ms = e.paid_at_ms}));
    return {};
  }
  Result<void> operator()(const OrderCancelled& e) { return SetStatus(e.order_id, OrderStatus::kCancelled); }
  Result<void> operator()(const OrderExpired& e) { return SetStatus(e.order_id, OrderStatus::kExpired); }
  Result<void> operator()(const auto&) { return {}; }

  Result<void> SetStatus(OrderId id, OrderStatus status) {
    std::string key = keys::Tagged('o', id);
    auto stored = out.Get(key);
    if (!stored) return Fail(stored.error());
    if (!*stored) return {};
    auto record = DecodeFields<OrderView>(**stored);
    if (!record) return CorruptRecord(out.prefix(), key, "order record");
    record->status = status;
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
  auto record = DecodeFields<OrderView>(**stored);
  if (!record) return CorruptRecord(reader_.prefix(), key, "order record");
  record->order_id = id;
  return std::optional<OrderView>(std::move(*record));
}

Result<OrderPage> OrderQueries::ByUser(UserId user, std::size_t limit, OrderId before) const {
  OrderPage page;
  std::string prefix = keys::Tagged('u', user);
  std::string start = keys::Tagged('u', user, before == 0 ? INT64_MAX : before - 1);
  auto scanned = reader_.Scan(prefix, start, /*reverse=*/true,
                              [&](std::string_view key, std::string_view) -> Result<bool> {
    if (key.size() != 17) return CorruptRecord(reader_.prefix(), key, "user's order key");
    if (page.items.size() == limit) {
      page.next = page.items.back().order_id;
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
