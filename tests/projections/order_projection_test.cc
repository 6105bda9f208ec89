#include "projections/order_projection.h"

#include <catch2/catch.hpp>

#include "projections/keys.h"
#include "tests/projections/fold_harness.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

using OrderScenario = ProjectionScenario<OrderProjection, OrderQueries>;

OrderPlaced Placed(OrderId id, UserId user = 7) {
  return OrderPlaced{.order_id = id, .user_id = user,
                     .lines = {{.product_id = 1, .option_id = 11, .quantity = 2, .unit_price = 100}},
                     .coupon_id = 3, .user_coupon_id = 30, .total_amount = 200, .discount_amount = 10,
                     .pay_amount = 190, .created_at_ms = 1'000, .expires_at_ms = 61'000};
}

OrderPaid Paid(const OrderPlaced& o, TimeMs at) {
  return OrderPaid{.order_id = o.order_id, .user_id = o.user_id, .payment_id = 99, .lines = o.lines,
                   .coupon_id = o.coupon_id, .total_amount = o.total_amount, .discount_amount = o.discount_amount,
                   .pay_amount = o.pay_amount, .created_at_ms = o.created_at_ms, .expires_at_ms = o.expires_at_ms,
                   .paid_at_ms = at};
}

}  // namespace

SCENARIO_METHOD(OrderScenario, "Orders show their lines, amounts and latest status", "[projections][orders]") {
  GIVEN("a placed order") {
    REQUIRE(given.Fold({Placed(5)}));
    THEN("it is found, not paid, with everything it was placed with") {
      auto order = Found(q.Find(5));
      CHECK(order->order_id == 5);
      CHECK(order->user_id == 7);
      CHECK(order->status == OrderStatus::kNotPaid);
      REQUIRE(order->lines.size() == 1);
      CHECK(order->lines[0].option_id == 11);
      CHECK(order->lines[0].quantity == 2);
      CHECK(order->total_amount == 200);
      CHECK(order->discount_amount == 10);
      CHECK(order->pay_amount == 190);
      CHECK(order->coupon_id == 3);
      CHECK(order->created_at_ms == 1'000);
      CHECK(order->expires_at_ms == 61'000);
      CHECK(order->paid_at_ms == 0);
    }
    THEN("an unknown order is not found (not an error)") { CHECK(q.Find(6).value() == std::nullopt); }

    WHEN("it is paid") {
      REQUIRE(given.Fold({Paid(Placed(5), 2'000)}));
      THEN("it is PAID, with when") {
        auto order = q.Find(5).value();
        CHECK(order->status == OrderStatus::kPaid);
        CHECK(order->paid_at_ms == 2'000);
      }
    }
    WHEN("it is cancelled") {
      REQUIRE(given.Fold({OrderCancelled{.order_id = 5, .user_id = 7, .at_ms = 3'000}}));
      THEN("it is CANCELLED, and nothing else changed") {
        auto order = q.Find(5).value();
        CHECK(order->status == OrderStatus::kCancelled);
        CHECK(order->pay_amount == 190);
        CHECK(order->paid_at_ms == 0);
      }
    }
    WHEN("it expires") {
      REQUIRE(given.Fold({OrderExpired{.order_id = 5, .user_id = 7, .at_ms = 61'000}}));
      THEN("it is EXPIRED") { CHECK(q.Find(5).value()->status == OrderStatus::kExpired); }
    }
    WHEN("an order never placed is cancelled") {
      REQUIRE(given.Fold({OrderCancelled{.order_id = 6, .user_id = 7, .at_ms = 3'000}}));
      THEN("it is still unknown") { CHECK(q.Find(6).value() == std::nullopt); }
    }
  }

  GIVEN("a user with three orders and another user with one") {
    REQUIRE(given.Fold({Placed(1), Placed(2), Placed(3), Placed(4, /*user=*/8)}));
    WHEN("the user's orders are read two at a time") {
      auto first = q.ByUser(7, 2, 0).value();
      auto second = q.ByUser(7, 2, first.next).value();
      THEN("they come newest first, only theirs, paged by order id") {
        REQUIRE(first.items.size() == 2);
        CHECK(first.items[0].order_id == 3);
        CHECK(first.items[1].order_id == 2);
        CHECK(first.next == 2);
        REQUIRE(second.items.size() == 1);
        CHECK(second.items[0].order_id == 1);
        CHECK(second.next == 0);
      }
    }
  }
}

SCENARIO_METHOD(OrderScenario, "A damaged order record stops the fold and the query, instead of being skipped", "[projections][orders]") {
  GIVEN("a placed order whose record no longer decodes") {
    REQUIRE(given.Fold({Placed(5)}));
    given.Damage(keys::Tagged('o', 5), "\x01");

    THEN("finding it fails with kCorruption, naming the key") {
      CheckCorruptionNaming(q.Find(5), "orders/o");
    }
    THEN("the user's list fails, rather than leaving it out") {
      CHECK(ErrorOf(q.ByUser(7, 10, 0)) == ReadModelErrc::kCorruption);
    }
    WHEN("a cancellation is folded") {
      auto folded = given.Fold({OrderCancelled{.order_id = 5, .user_id = 7, .at_ms = 3'000}});
      THEN("the fold fails, rather than skipping the event") { CHECK(ErrorOf(folded) == ReadModelErrc::kCorruption); }
    }
    WHEN("a payment is folded") {
      THEN("it needs no read, so it succeeds and repairs the record") {
        REQUIRE(given.Fold({Paid(Placed(5), 2'000)}));
        CHECK(q.Find(5).value()->status == OrderStatus::kPaid);
      }
    }
  }
}
