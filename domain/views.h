// domain/views.h
// What clients are shown of products, coupons and carts. Command replies
// (built from the write model) and queries (built from read models) return
// the same shapes, so the API renders them one way.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/coupon.h"
#include "domain/events.h"

namespace eventmart {

struct ProductView {
  ProductId product_id = 0;
  std::string name;
  std::vector<ProductOption> options;  // stock = what can still be ordered
  ProductStatus status = ProductStatus::kOnSale;

  Money LowestPrice() const;
  Quantity TotalStock() const;
};

struct CouponView {
  CouponId coupon_id = 0;
  std::string name;
  DiscountType type = DiscountType::kFixed;
  std::int64_t value = 0;
  Quantity total_quantity = 0;
  Quantity remaining_quantity = 0;
  TimeMs expires_at_ms = 0;  // 0: never
  TimeMs issue_from_ms = 0;   // 0: none
  TimeMs issue_until_ms = 0;  // 0: none
  bool paused = false;
  std::vector<ProductId> product_ids;  // empty: every product
};

enum class UserCouponStatus { kIssued, kReserved, kUsed, kExpired };
std::string_view UserCouponStatusName(UserCouponStatus status);

struct UserCouponView {
  UserCouponId user_coupon_id = 0;
  UserId user_id = 0;
  CouponView coupon;
  UserCouponStatus status = UserCouponStatus::kIssued;
  TimeMs issued_at_ms = 0;
};

// An order ends one way: paid, cancelled or expired.
enum class OrderStatus : std::uint8_t { kNotPaid, kPaid, kCancelled, kExpired };
std::string_view OrderStatusName(OrderStatus status);  // NOT_PAID, PAID, CANCELLED, EXPIRED
std::optional<OrderStatus> ParseOrderStatus(std::string_view name);
inline std::string_view NameOf(OrderStatus status) { return OrderStatusName(status); }
inline std::optional<OrderStatus> ParseNamed(std::string_view name, const OrderStatus*) {
  return ParseOrderStatus(name);
}

// An order as clients see it. The order projection stores it as it is
// (Fields(): the id is the record's key, so it is not listed).
struct OrderView {
  OrderId order_id = 0;
  UserId user_id = 0;
  OrderStatus status = OrderStatus::kNotPaid;
  std::vector<OrderLine> lines;
  Money total_amount = 0;
  Money discount_amount = 0;
  Money pay_amount = 0;
  CouponId coupon_id = 0;  // 0: none
  TimeMs created_at_ms = 0;
  TimeMs expires_at_ms = 0;
  TimeMs paid_at_ms = 0;  // 0 unless paid

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

struct PaymentView {
  PaymentId payment_id = 0;
  OrderId order_id = 0;
  UserId user_id = 0;
  Money amount = 0;
  TimeMs paid_at_ms = 0;
};

struct CartLineView {
  ProductId product_id = 0;
  OptionId option_id = 0;
  std::string name;         // the product's
  std::string option_name;
  Money unit_price = 0;
  Quantity quantity = 0;
};

struct CartView {
  UserId user_id = 0;
  std::vector<CartLineView> items;

  Money TotalAmount() const;
};

}  // namespace eventmart
