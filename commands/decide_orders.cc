// Orders: place (reserve stock and coupon), pay, cancel, expire.
#include <set>

#include "commands/decide_internal.h"
#include "domain/errors.h"

namespace eventmart::decide_internal {
namespace {

Result<void> ValidateItems(const std::vector<OrderItem>& items) {
  if (items.empty()) return Fail(DomainErrc::kInvalidRequest, "an order needs at least one item");
  if (items.size() > kMaxOrderLines) {
    return Fail(DomainErrc::kInvalidRequest, "an order has at most " + std::to_string(kMaxOrderLines) + " items");
  }
  std::set<OptionId> options;
  for (const auto& item : items) {
    if (item.quantity < 1 || item.quantity > kMaxLineQuantity) {
      return Fail(DomainErrc::kInvalidRequest, "quantity must be from 1 to " + std::to_string(kMaxLineQuantity));
    }
    if (item.option_id && !options.insert(*item.option_id).second) {
      return Fail(DomainErrc::kInvalidRequest, "option " + std::to_string(*item.option_id) + " is named twice");
    }
  }
  return {};
}

// Resolves every item to a priced line; 404 for unknown products/options.
Result<std::vector<OrderLine>> PriceLines(const WriteModel& model, const std::vector<OrderItem>& items) {
  std::vector<OrderLine> lines;
  std::set<OptionId> seen;
  for (const auto& item : items) {
    auto option = ResolveOption(model, item.product_id, item.option_id);
    if (!option) return Fail(option.error());
    if (!seen.insert(*option).second) {
      return Fail(DomainErrc::kInvalidRequest, "option " + std::to_string(*option) + " is named twice");
    }
    lines.push_back({.product_id = item.product_id, .option_id = *option, .quantity = item.quantity,
                     .unit_price = model.FindOption(*option)->price, .amount = 0});
  }
  return lines;
}

// The user's coupon, if it can be applied now: held, ISSUED, not expired.
Result<CouponToApply> UsableCoupon(const WriteModel& model, UserId user, CouponId id, TimeMs now_ms) {
  const CouponState* coupon = model.FindCoupon(id);
  if (coupon == nullptr) return Fail(DomainErrc::kCouponNotFound);
  auto held = coupon->holders.find(user);
  if (held == coupon->holders.end()) return Fail(DomainErrc::kCouponNotUsable, "the user does not hold this coupon");
  if (held->second.status != HeldStatus::kIssued) {
    return Fail(DomainErrc::kCouponNotUsable, "the coupon is already reserved or used");
  }
  if (IsExpired(coupon->expires_at_ms, now_ms)) return Fail(DomainErrc::kCouponNotUsable, "the coupon has expired");
  return CouponToApply{.coupon_id = id, .user_coupon_id = held->second.user_coupon_id, .type = coupon->type,
                       .value = coupon->value};
}

void AddPayment(const PaymentEvents& payment, std::vector<DomainEvent>& events) {
  events.push_back(payment.spent);
  if (payment.coupon_used) events.push_back(*payment.coupon_used);
  events.push_back(payment.paid);
}

// What an order gives back when it ends unpaid: its stock and its coupon.
void AddReleases(const WriteModel& model, OrderId id, const OrderState& order, std::vector<DomainEvent>& events) {
  for (const auto& line : order.lines) {
    const OptionState* option = model.FindOption(line.option_id);
    events.push_back(StockReleased{.product_id = line.product_id, .option_id = line.option_id, .order_id = id,
                                   .quantity = line.quantity, .stock_after = option->stock + line.quantity});
  }
  if (order.coupon_id != 0) {
    events.push_back(CouponReleased{.coupon_id = order.coupon_id, .user_id = order.user_id,
                                    .user_coupon_id = order.user_coupon_id, .order_id = id});
  }
}

// Existence, then ownership, as the contract orders the checks.
Result<const OrderState*> OwnedOrder(const WriteModel& model, OrderId order_id, UserId user) {
  if (!model.HasUser(user)) return Fail(DomainErrc::kUserNotFound);
  const OrderState* order = model.FindOrder(order_id);
  if (order == nullptr) return Fail(DomainErrc::kOrderNotFound);
  if (order->user_id != user) return Fail(DomainErrc::kForbidden, "the order belongs to another user");
  return order;
}

}  // namespace

Result<Decision> DecideOne(const WriteModel& model, const PlaceOrder& c, const DecideContext& ctx) {
  if (auto valid = ValidateItems(c.items); !valid) return Fail(valid.error());
  if (!model.HasUser(c.user_id)) return Fail(DomainErrc::kUserNotFound);
  auto lines = PriceLines(model, c.items);
  if (!lines) return Fail(lines.error());
  std::optional<CouponToApply> coupon;
  if (c.coupon_id) {
    const CouponState* known = model.FindCoupon(*c.coupon_id);
    if (known == nullptr) return Fail(DomainErrc::kCouponNotFound);
  }
  OrderId order_id = model.NextOrderId();
  std::vector<DomainEvent> reservations;
  for (const auto& line : *lines) {
    auto reserved = DecideReserveStock(line.product_id, line.option_id, model.FindOption(line.option_id)->stock,
                                       line.quantity, order_id);
    if (!reserved) return Fail(reserved.error());
    reservations.push_back(*reserved);
  }
  if (c.coupon_id) {
    auto usable = UsableCoupon(model, c.user_id, *c.coupon_id, ctx.now_ms);
    if (!usable) return Fail(usable.error());
    coupon = *usable;
  }
  OrderPlaced placed = DecidePlaceOrder(order_id, c.user_id, std::move(*lines), coupon, ctx.now_ms, ctx.order_ttl_ms);
  std::vector<DomainEvent> events = {placed};
  events.insert(events.end(), reservations.begin(), reservations.end());
  if (coupon) {
    events.push_back(CouponReserved{.coupon_id = coupon->coupon_id, .user_id = c.user_id,
                                    .user_coupon_id = coupon->user_coupon_id, .order_id = order_id});
  }
  if (const CartState* cart = model.FindCart(c.user_id)) {
    for (const auto& line : placed.lines) {
      if (auto removed = DecideRemoveFromCart(*cart, c.user_id, line.option_id)) events.push_back(*removed);
    }
  }
  OrderState order;
  Apply(order, placed);
  if (c.pay) {
    const AccountState* account = model.FindAccount(c.user_id);
    auto payment = DecidePay(order, order_id, account ? *account : AccountState{}, model.NextPaymentId(), ctx.now_ms);
    if (!payment) return Fail(payment.error());  // nothing reserved: the whole decision is dropped
    AddPayment(*payment, events);
    Apply(order, payment->paid);
  }
  return Decision{.events = std::move(events), .reply = ToView(order_id, order)};
}

Result<Decision> DecideOne(const WriteModel& model, const PayOrder& c, const DecideContext& ctx) {
  auto order = OwnedOrder(model, c.order_id, c.user_id);
  if (!order) return Fail(order.error());
  const AccountState* account = model.FindAccount(c.user_id);
  auto payment = DecidePay(**order, c.order_id, account ? *account : AccountState{}, model.NextPaymentId(), ctx.now_ms);
  if (!payment) return Fail(payment.error());
  std::vector<DomainEvent> events;
  AddPayment(*payment, events);
  PaymentView view{.payment_id = payment->paid.payment_id, .order_id = c.order_id, .user_id = c.user_id,
                   .amount = payment->paid.pay_amount, .paid_at_ms = payment->paid.paid_at_ms};
  return Decision{.events = std::move(events), .reply = view};
}

Result<Decision> DecideOne(const WriteModel& model, const CancelOrder& c, const DecideContext& ctx) {
  auto order = OwnedOrder(model, c.order_id, c.user_id);
  if (!order) return Fail(order.error());
  if (!IsOpen(**order, ctx.now_ms)) {
    return Fail(DomainErrc::kOrderNotCancellable,
                "the order is " + std::string(OrderStatusName((*order)->status)) +
                    ((*order)->status == OrderStatus::kNotPaid ? " but past its expiry" : ""));
  }
  OrderCancelled cancelled{.order_id = c.order_id, .user_id = c.user_id, .at_ms = ctx.now_ms};
  std::vector<DomainEvent> events = {cancelled};
  AddReleases(model, c.order_id, **order, events);
  OrderState after = **order;
  Apply(after, cancelled);
  return Decision{.events = std::move(events), .reply = ToView(c.order_id, after)};
}

Result<Decision> DecideOne(const WriteModel& model, const ExpireOrder& c, const DecideContext& ctx) {
  const OrderState* order = model.FindOrder(c.order_id);
  Decision decision{.events = {}, .reply = NoContentReply{}};
  // Already paid or cancelled, or not due: nothing to do.
  if (order == nullptr || order->status != OrderStatus::kNotPaid || ctx.now_ms < order->expires_at_ms) return decision;
  decision.events.push_back(OrderExpired{.order_id = c.order_id, .user_id = order->user_id, .at_ms = ctx.now_ms});
  AddReleases(model, c.order_id, *order, decision.events);
  return decision;
}

}  // namespace eventmart::decide_internal
