#include "eventstore/kafka/data_platform.h"

#include <fmt/format.h>

#include "domain/time_format.h"
#include "eventstore/event_json.h"

namespace eventmart {

void AppendDataPlatformJson(const RecordedEventView& view, const OrderPaid& paid, std::string* out) {
  auto it = std::back_inserter(*out);
  out->append("{\"eventId\":\"");
  AppendEventId(view.id, out);
  fmt::format_to(it, R"(","position":{},"orderId":{},"paymentId":{},"userId":{},"status":"PAID","items":[)",
                 view.position, paid.order_id, paid.payment_id, paid.user_id);
  for (std::size_t i = 0; i < paid.lines.size(); ++i) {
    const OrderLine& l = paid.lines[i];
    fmt::format_to(it, R"({}{{"productId":{},"optionId":{},"quantity":{},"unitPrice":{},"amount":{}}})",
                   i == 0 ? "" : ",", l.product_id, l.option_id, l.quantity, l.unit_price, l.amount);
  }
  fmt::format_to(it, R"(],"totalAmount":{},"discountAmount":{},"payAmount":{})", paid.total_amount,
                 paid.discount_amount, paid.pay_amount);
  if (paid.coupon_id != 0) fmt::format_to(it, R"(,"couponId":{})", paid.coupon_id);
  if (!paid.coupon_product_ids.empty()) {  // a product-bound coupon: the lines it discounted
    out->append(",\"couponProductIds\":[");
    for (std::size_t i = 0; i < paid.coupon_product_ids.size(); ++i) {
      fmt::format_to(it, "{}{}", i == 0 ? "" : ",", paid.coupon_product_ids[i].value());
    }
    out->append("]");
  }
  out->append(",\"createdAt\":\"");
  AppendTime(paid.created_at_ms, out);
  out->append("\",\"paidAt\":\"");
  AppendTime(paid.paid_at_ms, out);
  out->append("\"}");
}

}  // namespace eventmart
