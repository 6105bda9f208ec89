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
    std::string operator()(const PointsSpent& e) const { return StreamName("account", e.user_id); }
    std::string operator()(const StockReserved& e) const { return StreamName("product", e.product_id); }
    std::string operator()(const StockReleased& e) const { return StreamName("product", e.product_id); }
    std::string operator()(const CouponReserved& e) const { return StreamName("coupon", e.coupon_id); }
    std::string operator()(const CouponUsed& e) const { return StreamName("coupon", e.coupon_id); }
    std::string operator()(const CouponReleased& e) const { return StreamName("coupon", e.coupon_id); }
    std::string operator()(const OrderPlaced& e) const { return StreamName("order", e.order_id); }
    std::string operator()(const OrderPaid& e) const { return StreamName("order", e.order_id); }
    std::string operator()(const OrderCancelled& e) const { return StreamName("order", e.order_id); }
    std::string operator()(const OrderExpired& e) const { return StreamName("order", e.order_id); }
  };
  return std::visit(Visitor{}, event);
}

}  // namespace eventmart
