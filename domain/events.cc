#include "domain/events.h"

namespace eventmart {

std::string StreamOf(const DomainEvent& event) {
  struct Visitor {
    std::string operator()(const UserRegistered& e) const { return StreamName("user", e.user_id); }
    std::string operator()(const PointsCharged& e) const { return StreamName("account", e.user_id); }
    std::string operator()(const ProductCreated& e) const { return StreamName("product", e.product_id); }
    std::string operator()(const StockRestocked& e) const { return StreamName("product", e.product_id); }
    std::string operator()(const CouponCreated& e) const { return StreamName("coupon", e.coupon_id); }
    std::string operator()(const CouponIssued& e) const { return StreamName("coupon", e.coupon_id); }
    std::string operator()(const CartItemAdded& e) const { return StreamName("cart", e.user_id); }
    std::string operator()(const CartItemRemoved& e) const { return StreamName("cart", e.user_id); }
  };
  return std::visit(Visitor{}, event);
}

}  // namespace eventmart
