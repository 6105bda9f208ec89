#include "domain/order.h"

#include <algorithm>

#include "domain/errors.h"

namespace eventmart {

std::string_view OrderStatusName(OrderStatus status) {
  switch (status) {
    case OrderStatus::kNotPaid: return "NOT_PAID";
    case OrderStatus::kPaid: return "PAID";
    case OrderStatus::kCancelled: return "CANCELLED";
    case OrderStatus::kExpired: return "EXPIRED";
  }
  return "NOT_PAID";
}

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
    placed.discount_amount = DiscountFor(coupon->type, coupon->value, placed.total_amount);
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

Result<PaymentEvents> DecidePay(const OrderState& order, OrderId order_id, const AccountState& account,
                                PaymentId payment_id, TimeMs now_ms) {
  if (!IsOpen(order, now_ms)) {
    return Fail(DomainErrc::kOrderNotPayable, "the order is " + std::string(OrderStatusName(order.status)) +
                                                  (order.status == OrderStatus::kNotPaid ? " but past its expiry" : ""));
  }
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
               .created_at_ms = order.created_at_ms, .expires_at_ms = order.expires_at_ms, .paid_at_ms = now_ms}};
  if (order.coupon_id != 0) {
    events.coupon_used = CouponUsed{.coupon_id = order.coupon_id, .user_id = order.user_id,
                                    .user_coupon_id = order.user_coupon_id, .order_id = order_id};
  }
  return events;
}

OrderView ToView(OrderId id, const OrderState& o) {
  return OrderView{.order_id = id, .user_id = o.user_id, .status = std::string(OrderStatusName(o.status)),
                   .lines = o.lines, .total_amount = o.total_amount, .discount_amount = o.discount_amount,
                   .pay_amount = o.pay_amount, .coupon_id = o.coupon_id, .created_at_ms = o.created_at_ms,
                   .expires_at_ms = o.expires_at_ms,
                   .paid_at_ms = o.status == OrderStatus::kPaid ? o.closed_at_ms : 0};
}

void Apply(OrderState& order, const OrderPlaced& e) {
  order = OrderState{.user_id = e.user_id, .status = OrderStatus::kNotPaid, .lines = e.lines,
                     .coupon_id = e.coupon_id, .user_coupon_id = e.user_coupon_id, .total_amount = e.total_amount,
                     .discount_amount = e.discount_amount, .pay_amount = e.pay_amount,
                     .created_at_ms = e.created_at_ms, .expires_at_ms = e.expires_at_ms, .closed_at_ms = 0,
                     .payment_id = 0};
}

void Apply(OrderState& order, const OrderPaid& e) {
  order.status = OrderStatus::kPaid;
  order.closed_at_ms = e.paid_at_ms;
  order.payment_id = e.payment_id;
}

void Apply(OrderState& order, const OrderCancelled& e) {
  order.status = OrderStatus::kCancelled;
  order.closed_at_ms = e.at_ms;
}

void Apply(OrderState& order, const OrderExpired& e) {
  order.status = OrderStatus::kExpired;
  order.closed_at_ms = e.at_ms;
}

void Apply(AccountState& account, const PointsSpent& e) { account.balance = e.balance_after; }

}  // namespace eventmart
