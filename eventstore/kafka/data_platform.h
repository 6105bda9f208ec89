// eventstore/kafka/data_platform.h
// The message the data platform gets for each paid order (topic
// data-platform.orders, key = the order id):
//   {"eventId","position","orderId","paymentId","userId","status":"PAID",
//    "items":[{"productId","optionId","quantity","unitPrice","amount"}],
//    "totalAmount","discountAmount","payAmount","couponId"?,
//    "createdAt","paidAt"}
// eventId is the OrderPaid event's id: a message delivered twice carries the
// same eventId, which is how the platform deduplicates.
#pragma once

#include <string>

#include "domain/events.h"
#include "eventstore/event_store.h"

namespace eventmart {

void AppendDataPlatformJson(const RecordedEventView& view, const OrderPaid& paid, std::string* out);

}  // namespace eventmart
