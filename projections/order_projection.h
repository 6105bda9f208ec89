// projections/order_projection.h
// Orders as their users see them, for
//   GET /api/v1/orders/{orderId}, GET /api/v1/orders?userId=
// Keys (under "orders/"):
//   o<orderId BE8>             -> OrderRecord
//   u<userId BE8><orderId BE8> -> "" (a user's orders, newest = highest id)
#pragma once

#include <optional>
#include <vector>

#include "domain/views.h"
#include "projections/projection.h"

namespace eventmart {

class OrderProjection final : public FoldOf<OrderProjection, OrderPlaced, OrderPaid, OrderCancelled, OrderExpired> {
 public:
  static constexpr std::string_view kName = "orders";
  Result<void> Apply(const RecordedEventView& view, const DomainEvent& event, ReadModelWriter& out) override;
};

using OrderPage = Page<OrderView, OrderId>;  // next: the lowest key to go on from

// Each query fails (ReadModelErrc) when a read fails or a stored record
// cannot be decoded; an unknown id is nullopt.
class OrderQueries {
 public:
  explicit OrderQueries(ReadModelReader reader) : reader_(std::move(reader)) {}

  [[nodiscard]] Result<std::optional<OrderView>> Find(OrderId id) const;
  // The user's orders with id < before (0: from the newest), newest first.
  [[nodiscard]] Result<OrderPage> ByUser(UserId user, std::size_t limit, OrderId before) const;

 private:
  ReadModelReader reader_;
};

}  // namespace eventmart
