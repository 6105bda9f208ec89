#include "api/render.h"

#include "domain/time_format.h"

namespace eventmart {

Json TimeOrNull(TimeMs ms) { return ms == 0 ? Json(nullptr) : Json(FormatTime(ms)); }

Json ProductJson(const ProductView& p, bool with_options) {
  Quantity stock = p.TotalStock();
  Json j = {{"productId", p.product_id}, {"name", p.name}, {"price", p.LowestPrice()},
            {"stock", stock}, {"soldOut", stock == 0}, {"status", ProductStatusName(p.status)}};
  if (with_options) {
    Json options = Json::array();
    for (const auto& o : p.options) {
      options.push_back({{"optionId", o.option_id}, {"name", o.name}, {"price", o.price}, {"stock", o.stock}});
    }
    j["options"] = std::move(options);
  }
  return j;
}

namespace {

// The seeds' rules, shown on a coupon and on a user's coupon alike.
void AddIssueRules(const CouponView& c, Json& j) {
  j["issueFrom"] = TimeOrNull(c.issue_from_ms);
  j["issueUntil"] = TimeOrNull(c.issue_until_ms);
  j["paused"] = c.paused;
  j["productIds"] = c.product_ids;
}

}  // namespace

Json CouponJson(const CouponView& c) {
  Json j = {{"couponId", c.coupon_id},
            {"name", c.name},
            {"discountType", DiscountTypeName(c.type)},
            {"discountValue", c.value},
            {"totalQuantity", c.total_quantity},
            {"remainingQuantity", c.remaining_quantity},
            {"expiresAt", TimeOrNull(c.expires_at_ms)}};
  AddIssueRules(c, j);
  return j;
}

Json UserCouponJson(const UserCouponView& h) {
  Json j = {{"userCouponId", h.user_coupon_id},
          {"couponId", h.coupon.coupon_id},
          {"userId", h.user_id},
          {"name", h.coupon.name},
          {"discountType", DiscountTypeName(h.coupon.type)},
          {"discountValue", h.coupon.value},
          {"status", UserCouponStatusName(h.status)},
          {"issuedAt", FormatTime(h.issued_at_ms)},
          {"expiresAt", TimeOrNull(h.coupon.expires_at_ms)}};
  AddIssueRules(h.coupon, j);
  return j;
}

Json CartJson(const CartView& cart) {
  Json items = Json::array();
  for (const auto& line : cart.items) {
    items.push_back({{"productId", line.product_id},
                     {"optionId", line.option_id},
                     {"name", line.name},
                     {"optionName", line.option_name},
                     {"unitPrice", line.unit_price},
                     {"quantity", line.quantity}});
  }
  return {{"userId", cart.user_id}, {"items", std::move(items)}, {"totalAmount", cart.TotalAmount()}};
}

Json OrderJson(const OrderView& o) {
  Json items = Json::array();
  for (const auto& line : o.lines) {
    items.push_back({{"productId", line.product_id},
                     {"optionId", line.option_id},
                     {"quantity", line.quantity},
                     {"unitPrice", line.unit_price},
                     {"amount", line.amount}});
  }
  Json j = {{"orderId", o.order_id},          {"userId", o.user_id},
            {"status", OrderStatusName(o.status)},             {"items", std::move(items)},
            {"totalAmount", o.total_amount},  {"discountAmount", o.discount_amount},
            {"payAmount", o.pay_amount},      {"createdAt", FormatTime(o.created_at_ms)},
            {"expiresAt", FormatTime(o.expires_at_ms)}};
  if (o.coupon_id != 0) j["couponId"] = o.coupon_id;
  if (o.paid_at_ms != 0) j["paidAt"] = FormatTime(o.paid_at_ms);
  return j;
}

Json PaymentJson(const PaymentView& p) {
  return {{"paymentId", p.payment_id}, {"orderId", p.order_id},  {"userId", p.user_id},
          {"amount", p.amount},        {"status", "COMPLETED"}, {"paidAt", FormatTime(p.paid_at_ms)}};
}

}  // namespace eventmart
