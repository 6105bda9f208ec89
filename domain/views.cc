#include "domain/views.h"

#include <algorithm>

namespace eventmart {

Money ProductView::LowestPrice() const {
  Money lowest = 0;
  for (std::size_t i = 0; i < options.size(); ++i) lowest = i == 0 ? options[i].price : std::min(lowest, options[i].price);
  return lowest;
}

Quantity ProductView::TotalStock() const {
  Quantity total = 0;
  for (const auto& o : options) total += o.stock;
  return total;
}

std::string_view OrderStatusName(OrderStatus status) {
  switch (status) {
    case OrderStatus::kNotPaid: return "NOT_PAID";
    case OrderStatus::kPaid: return "PAID";
    case OrderStatus::kCancelled: return "CANCELLED";
    case OrderStatus::kExpired: return "EXPIRED";
  }
  return "NOT_PAID";
}

std::optional<OrderStatus> ParseOrderStatus(std::string_view name) {
  for (OrderStatus s : {OrderStatus::kNotPaid, OrderStatus::kPaid, OrderStatus::kCancelled, OrderStatus::kExpired}) {
    if (OrderStatusName(s) == name) return s;
  }
  return std::nullopt;
}

std::string_view UserCouponStatusName(UserCouponStatus status) {
  switch (status) {
    case UserCouponStatus::kIssued: return "ISSUED";
    case UserCouponStatus::kReserved: return "RESERVED";
    case UserCouponStatus::kUsed: return "USED";
    case UserCouponStatus::kExpired: return "EXPIRED";
  }
  return "ISSUED";
}

Money CartView::TotalAmount() const {
  Money total = 0;
  for (const auto& line : items) total += line.unit_price * line.quantity;
  return total;
}

}  // namespace eventmart
