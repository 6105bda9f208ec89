#include "domain/order.h"

#include <algorithm>
#include <set>

#include "domain/decide.h"
#include "domain/errors.h"

namespace eventmart {

namespace {

// Why an order can no longer be paid or cancelled.
std::string WhyClosed(const OrderState& order) {
  return "the order is " + std::string(OrderStatusName(order.status)) +
         (order.status == OrderStatus::kNotPaid ? " but past its expiry" : "");
}

}  // namespace

Money DiscountFor(DiscountType type, std::int64_t value, Money total) {
  Money discount = type == DiscountType::kFixed ? value : total * value / 100;
  return std::clamp<Money>(discount, 0, total);
}

OrderPlaced DecidePlaceOrder(OrderId order_id, UserId user, std::vector<OrderLine> lines,
                             const std::optional<CouponToApply>& coupon, TimeMs now_ms, TimeMs ttl_ms) {
  OrderPlaced placed{.order_id = order_id, .user_id = user, .lines = std::move(lines), .coupon_id = 0,
                     .user_coupon_id = 0, .total_amount = 0, .discount_amount = 0, .pay_amount = 0,
                     .created_at_ms = now_ms, .expires_at_ms = now_ms + ttl_ms};
  for (auto& line : placed.lines) {
    line.amount = line.unit_price * line.quantity;
    placed.total_amount += line.amount;
  }
  if (coupon) {
    placed.coupon_id = coupon->coupon_id;
    placed.user_coupon_id = coupon->user_coupon_id;
    placed.coupon_product_ids = coupon->product_ids;
    Money covered = 0;
    for (const auto& line : placed.lines) {
      if (coupon->Covers(line.product_id)) covered += line.amount;
    }
    placed.discount_amount = DiscountFor(coupon->type, coupon->value, covered);
  }
  placed.pay_amount = placed.total_amount - placed.discount_amount;
  return placed;
}

Result<StockReserved> DecideReserveStock(ProductId product, OptionId option, Quantity stock, Quantity quantity,
                                         OrderId order) {
  if (quantity > stock) {
    return Fail(DomainErrc::kOutOfStock,
                "option " + std::to_string(option) + " has " + std::to_string(stock) + " left");
  }
  return StockReserved{.product_id = product, .option_id = option, .order_id = order, .quantity = quantity,
                       .stock_after = stock - quantity};
}

bool IsOpen(const OrderState& order, TimeMs now_ms) {
  return order.status == OrderStatus::kNotPaid && now_ms < order.expires_at_ms;
}

bool IsDue(const OrderState& order, TimeMs now_ms) {
  return order.status == OrderStatus::kNotPaid && now_ms >= order.expires_at_ms;
}

Result<PaymentEvents> DecidePay(const OrderState& order, OrderId order_id, const AccountState& account,
                                PaymentId payment_id, TimeMs now_ms) {
  if (!IsOpen(order, now_ms)) return Fail(DomainErrc::kOrderNotPayable, WhyClosed(order));
  if (account.balance < order.pay_amount) {
    return Fail(DomainErrc::kInsufficientBalance, "the balance is " + std::to_string(account.balance) + ", the order " +
                                                      std::to_string(order.pay_amount));
  }
  PaymentEvents events{
      .spent = {.user_id = order.user_id, .order_id = order_id, .amount = order.pay_amount,
                .balance_after = account.balance - order.pay_amount},
      .coupon_used = std::nullopt,
      .paid = {.order_id = order_id, .user_id = order.user_id, .payment_id = payment_id, .lines = order.lines,
               .coupon_id = order.coupon_id, .total_amount = order.total_amount,
               .discount_amount = order.discount_amount, .pay_amount = order.pay_amount,
               .created_at_ms = order.created_at_ms, .expires_at_ms = order.expires_at_ms, .paid_at_ms = now_ms,
               .coupon_product_ids = order.coupon_product_ids}};
  if (order.coupon_id != 0) {
    events.coupon_used = CouponUsed{.coupon_id = order.coupon_id, .user_id = order.user_id,
                                    .user_coupon_id = order.user_coupon_id, .order_id = order_id};
  }
  return events;
}

OrderView ToView(OrderId id, const OrderState& o) {
  return OrderView{.order_id = id, .user_id = o.user_id, .status = o.status,
                   .lines = o.lines, .total_amount = o.total_amount, .discount_amount = o.discount_amount,
                   .pay_amount = o.pay_amount, .coupon_id = o.coupon_id, .created_at_ms = o.created_at_ms,
                   .expires_at_ms = o.expires_at_ms,
                   .paid_at_ms = o.status == OrderStatus::kPaid ? o.closed_at_ms : 0};
}

void Evolve(OrderState& order, const OrderPlaced& e) {
  order = OrderState{.user_id = e.user_id, .status = OrderStatus::kNotPaid, .lines = e.lines,
                     .coupon_id = e.coupon_id, .user_coupon_id = e.user_coupon_id, .total_amount = e.total_amount,
                     .discount_amount = e.discount_amount, .pay_amount = e.pay_amount,
                     .created_at_ms = e.created_at_ms, .expires_at_ms = e.expires_at_ms, .closed_at_ms = 0,
                     .payment_id = 0, .coupon_product_ids = e.coupon_product_ids};
}

void Evolve(OrderState& order, const OrderPaid& e) {
  order.status = OrderStatus::kPaid;
  order.closed_at_ms = e.paid_at_ms;
  order.payment_id = e.payment_id;
}

void Evolve(OrderState& order, const OrderCancelled& e) {
  order.status = OrderStatus::kCancelled;
  order.closed_at_ms = e.at_ms;
}

void Evolve(OrderState& order, const OrderExpired& e) {
  order.status = OrderStatus::kExpired;
  order.closed_at_ms = e.at_ms;
}

// --- Commands -------------------------------------------------------------

namespace {

// An order names each option once. Checked on the options a request names
// (a shape error, before anything is looked up) and again on the options
// they resolve to (a one-option product's default may repeat one).
Result<void> NamedOnce(std::set<OptionId>& seen, OptionId id) {
  if (seen.insert(id).second) return {};
  return Fail(DomainErrc::kInvalidRequest, "option " + std::to_string(id) + " is named twice");
}

Result<void> ValidateItems(const std::vector<OrderItem>& items) {
  if (items.empty()) return Fail(DomainErrc::kInvalidRequest, "an order needs at least one item");
  if (items.size() > kMaxOrderLines) {
    return Fail(DomainErrc::kInvalidRequest, "an order has at most " + std::to_string(kMaxOrderLines) + " items");
  }
  std::set<OptionId> named;
  for (const auto& item : items) {
    if (item.quantity < 1 || item.quantity > kMaxLineQuantity) {
      return Fail(DomainErrc::kInvalidRequest, "quantity must be from 1 to " + std::to_string(kMaxLineQuantity));
    }
    if (item.option_id) {
      if (auto once = NamedOnce(named, *item.option_id); !once) return once;
    }
  }
  return {};
}

// Resolves every item to a priced line at the option's current price;
// 404 for unknown products or options, 400 for an option named twice
// (directly, or through a one-option product's default).
Result<std::vector<OrderLine>> PriceLines(const StateView& state, const std::vector<OrderItem>& items) {
  std::vector<OrderLine> lines;
  std::set<OptionId> seen;
  for (const auto& item : items) {
    auto option = ResolveOption(state.FindProduct(item.product_id), item.product_id, item.option_id);
    if (!option) return Fail(option.error());
    OptionId id = (*option)->option_id;
    if (auto once = NamedOnce(seen, id); !once) return Fail(once.error());
    lines.push_back({.product_id = item.product_id, .option_id = id, .quantity = item.quantity,
                     .unit_price = (*option)->price, .amount = 0});
  }
  return lines;
}

Quantity StockOf(const StateView& state, const OrderLine& line) {
  return state.FindProduct(line.product_id)->FindOption(line.option_id)->stock;
}

void AddPayment(const PaymentEvents& payment, Events& events) {
  events.push_back(payment.spent);
  if (payment.coupon_used) events.push_back(*payment.coupon_used);
  events.push_back(payment.paid);
}

// What an order gives back when it ends unpaid: its stock and its coupon.
void AddReleases(const StateView& state, OrderId id, const OrderState& order, Events& events) {
  for (const auto& line : order.lines) {
    events.push_back(StockReleased{.product_id = line.product_id, .option_id = line.option_id, .order_id = id,
                                   .quantity = line.quantity, .stock_after = StockOf(state, line) + line.quantity});
  }
  if (order.coupon_id != 0) {
    events.push_back(CouponReleased{.coupon_id = order.coupon_id, .user_id = order.user_id,
                                    .user_coupon_id = order.user_coupon_id, .order_id = id});
  }
}

// Existence, then ownership, as the contract orders the checks.
Result<const OrderState*> OwnedOrder(const StateView& state, OrderId order_id, UserId user) {
  if (state.FindUser(user) == nullptr) return Fail(DomainErrc::kUserNotFound);
  const OrderState* order = state.FindOrder(order_id);
  if (order == nullptr) return Fail(DomainErrc::kOrderNotFound);
  if (order->user_id != user) return Fail(DomainErrc::kForbidden, "the order belongs to another user");
  return order;
}

Result<PaymentEvents> Payment(const StateView& state, const OrderState& order, OrderId order_id, TimeMs now_ms) {
  const AccountState* account = state.FindAccount(order.user_id);
  return DecidePay(order, order_id, account ? *account : AccountState{}, state.last_ids().payment + 1, now_ms);
}

}  // namespace

// Existence checks come first (user, products, coupon), then whether the
// products are on sale, their stock, whether the coupon can be used on these
// lines, then (place-and-pay) the balance.
Result<Events> Decide(const StateView& state, const PlaceOrder& c, const DecideContext& ctx) {
  if (auto valid = ValidateItems(c.items); !valid) return Fail(valid.error());
  if (state.FindUser(c.user_id) == nullptr) return Fail(DomainErrc::kUserNotFound);
  auto lines = PriceLines(state, c.items);
  if (!lines) return Fail(lines.error());
  const CouponState* coupon_state = nullptr;
  if (c.coupon_id) {
    coupon_state = state.FindCoupon(*c.coupon_id);
    if (coupon_state == nullptr) return Fail(DomainErrc::kCouponNotFound);
  }
  for (const auto& line : *lines) {
    if (auto sellable = CheckSellable(*state.FindProduct(line.product_id), line.product_id); !sellable) {
      return Fail(sellable.error());
    }
  }
  OrderId order_id = state.last_ids().order + 1;
  Events reservations;
  for (const auto& line : *lines) {
    auto reserved = DecideReserveStock(line.product_id, line.option_id, StockOf(state, line), line.quantity, order_id);
    if (!reserved) return Fail(reserved.error());
    reservations.push_back(*reserved);
  }
  std::optional<CouponToApply> coupon;
  if (coupon_state != nullptr) {
    auto usable = UsableCoupon(*coupon_state, *c.coupon_id, c.user_id, ctx.now_ms);
    if (!usable) return Fail(usable.error());
    if (std::none_of(lines->begin(), lines->end(), [&](const OrderLine& l) { return usable->Covers(l.product_id); })) {
      return Fail(DomainErrc::kCouponNotUsable, "no line of the order is one of the coupon's products");
    }
    coupon = std::move(*usable);
  }
  OrderPlaced placed = DecidePlaceOrder(order_id, c.user_id, std::move(*lines), coupon, ctx.now_ms, ctx.order_ttl_ms);
  Events events = {placed};
  events.insert(events.end(), reservations.begin(), reservations.end());
  if (coupon) {
    events.push_back(CouponReserved{.coupon_id = coupon->coupon_id, .user_id = c.user_id,
                                    .user_coupon_id = coupon->user_coupon_id, .order_id = order_id});
  }
  if (const CartState* cart = state.FindCart(c.user_id)) {
    for (const auto& line : placed.lines) {
      if (auto removed = DecideRemoveFromCart(*cart, c.user_id, line.option_id)) events.push_back(*removed);
    }
  }
  if (c.pay) {
    OrderState order;
    Evolve(order, placed);
    auto payment = Payment(state, order, order_id, ctx.now_ms);
    if (!payment) return Fail(payment.error());  // nothing reserved: the whole decision is dropped
    AddPayment(*payment, events);
  }
  return events;
}

Result<Events> Decide(const StateView& state, const PayOrder& c, const DecideContext& ctx) {
  auto order = OwnedOrder(state, c.order_id, c.user_id);
  if (!order) return Fail(order.error());
  auto payment = Payment(state, **order, c.order_id, ctx.now_ms);
  if (!payment) return Fail(payment.error());
  Events events;
  AddPayment(*payment, events);
  return events;
}

Result<Events> Decide(const StateView& state, const CancelOrder& c, const DecideContext& ctx) {
  auto order = OwnedOrder(state, c.order_id, c.user_id);
  if (!order) return Fail(order.error());
  if (!IsOpen(**order, ctx.now_ms)) return Fail(DomainErrc::kOrderNotCancellable, WhyClosed(**order));
  Events events = {OrderCancelled{.order_id = c.order_id, .user_id = c.user_id, .at_ms = ctx.now_ms}};
  AddReleases(state, c.order_id, **order, events);
  return events;
}

Result<Events> Decide(const StateView& state, const ExpireOrder& c, const DecideContext& ctx) {
  const OrderState* order = state.FindOrder(c.order_id);
  Events events;
  if (order == nullptr || !IsDue(*order, ctx.now_ms)) return events;
  events.push_back(OrderExpired{.order_id = c.order_id, .user_id = order->user_id, .at_ms = ctx.now_ms});
  AddReleases(state, c.order_id, *order, events);
  return events;
}

}  // namespace eventmart
