// domain/order.h
// Orders: placed (stock and coupon reserved), then paid, cancelled or
// expired — exactly one of the three. Pure decisions; the command side
// gathers the state they need and appends what they return atomically.
#pragma once

#include <optional>
#include <vector>

#include "domain/account.h"
#include "domain/coupon.h"
#include "domain/events.h"
#include "domain/result.h"
#include "domain/views.h"

namespace eventmart {


// An order (stream order-N).
struct OrderState {
  using Stream = OrderStream;
  UserId user_id = 0;
  OrderStatus status = OrderStatus::kNotPaid;
  std::vector<OrderLine> lines;
  CouponId coupon_id = 0;
  UserCouponId user_coupon_id = 0;
  Money total_amount = 0;
  Money discount_amount = 0;
  Money pay_amount = 0;
  TimeMs created_at_ms = 0;
  TimeMs expires_at_ms = 0;
  TimeMs closed_at_ms = 0;  // paid, cancelled or expired at
  PaymentId payment_id = 0;
  std::vector<ProductId> coupon_product_ids;

  template <class Self, class V>
  static void Fields(Self& s, V&& v) {
    v("userId", s.user_id);
    v("status", s.status);
    v("lines", s.lines);
    v("couponId", s.coupon_id);
    v("userCouponId", s.user_coupon_id);
    v("totalAmount", s.total_amount);
    v("discountAmount", s.discount_amount);
    v("payAmount", s.pay_amount);
    v("createdAtMs", s.created_at_ms);
    v("expiresAtMs", s.expires_at_ms);
    v("closedAtMs", s.closed_at_ms);
    v("paymentId", s.payment_id);
    v("couponProductIds", s.coupon_product_ids);
  }
  friend bool operator==(const OrderState&, const OrderState&) = default;
};

// FIXED: the value; RATE: percent of total, rounded down; never above total.
Money DiscountFor(DiscountType type, std::int64_t value, Money total);

// Prices the lines (unit price * quantity) and applies the coupon to the
// lines it covers (every line, unless it names products).
[[nodiscard]] OrderPlaced DecidePlaceOrder(OrderId order_id, UserId user, std::vector<OrderLine> lines,
                                           const std::optional<CouponToApply>& coupon, TimeMs now_ms,
                                           TimeMs ttl_ms);

// Reserves `quantity` of an option for an order; OUT_OF_STOCK if short.
[[nodiscard]] Result<StockReserved> DecideReserveStock(ProductId product, OptionId option, Quantity stock,
                                                       Quantity quantity, OrderId order);

// The events of a payment, all or nothing: points spent, the coupon used,
// the order paid. INSUFFICIENT_BALANCE leaves everything as it was.
struct PaymentEvents {
  PointsSpent spent;
  std::optional<CouponUsed> coupon_used;
  OrderPaid paid;
};
[[nodiscard]] Result<PaymentEvents> DecidePay(const OrderState& order, OrderId order_id, const AccountState& account,
                                              PaymentId payment_id, TimeMs now_ms);

// Whether `order` may still be paid or cancelled at now_ms.
[[nodiscard]] bool IsOpen(const OrderState& order, TimeMs now_ms);
// Whether `order` is unpaid and past its deadline: it expires now.
[[nodiscard]] bool IsDue(const OrderState& order, TimeMs now_ms);

OrderView ToView(OrderId id, const OrderState& order);

void Evolve(OrderState& order, const OrderPlaced& event);
void Evolve(OrderState& order, const OrderPaid& event);
void Evolve(OrderState& order, const OrderCancelled& event);
void Evolve(OrderState& order, const OrderExpired& event);

}  // namespace eventmart
