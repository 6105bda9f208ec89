#include "projections/best_seller_projection.h"

#include <catch2/catch.hpp>

#include "projections/keys.h"
#include "tests/projections/fold_harness.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

constexpr TimeMs kNow = 100 * kDayMs;

OrderPaid PaidFor(OrderId id, TimeMs paid_at, std::vector<OrderLine> lines) {
  return OrderPaid{.order_id = id, .user_id = 7, .payment_id = id.value(), .lines = std::move(lines), .coupon_id = 0,
                   .total_amount = 0, .discount_amount = 0, .pay_amount = 0, .created_at_ms = paid_at,
                   .expires_at_ms = paid_at, .paid_at_ms = paid_at};
}

OrderLine Line(ProductId product, OptionId option, Quantity quantity) {
  return {.product_id = product, .option_id = option, .quantity = quantity, .unit_price = 1};
}

}  // namespace

SCENARIO("Best sellers rank products by quantity paid within the window", "[projections][bestsellers]") {
  auto ranking = std::make_shared<SalesRanking>();
  BestSellerProjection projection(ranking, kNow);
  FoldHarness given(projection);

  GIVEN("orders paid an hour, two days and ten days ago") {
    REQUIRE(given.Fold({PaidFor(1, kNow - 3'600'000, {Line(1, 11, 2), Line(1, 12, 1), Line(2, 21, 2)}),
                        PaidFor(2, kNow - 2 * kDayMs, {Line(2, 21, 2)}),
                        PaidFor(3, kNow - 10 * kDayMs, {Line(3, 31, 50)})}));

    THEN("the last day counts only the newest order, options summed per product") {
      auto top = ranking->Top(kNow, 1, 5);
      REQUIRE(top.size() == 2);
      CHECK(top[0].product_id == 1);  // 3 sold; ties go to the lower id
      CHECK(top[0].sold == 3);
      CHECK(top[1].product_id == 2);
      CHECK(top[1].sold == 2);
    }
    THEN("three days count the first two orders") {
      auto top = ranking->Top(kNow, 3, 5);
      REQUIRE(top.size() == 2);
      CHECK(top[0].product_id == 2);
      CHECK(top[0].sold == 4);
    }
    THEN("thirty days count all three, and the limit cuts the list") {
      auto top = ranking->Top(kNow, 30, 1);
      REQUIRE(top.size() == 1);
      CHECK(top[0].product_id == 3);
      CHECK(top[0].sold == 50);
    }

    WHEN("a fresh instance loads what was stored (a restart)") {
      auto reloaded = std::make_shared<SalesRanking>();
      BestSellerProjection restarted(reloaded, kNow);
      REQUIRE(restarted.Load(given.Reader()));
      THEN("it ranks as the one that folded the events") {
        for (int days : {1, 3, 30}) {
          auto a = ranking->Top(kNow, days, 5), b = reloaded->Top(kNow, days, 5);
          REQUIRE(a.size() == b.size());
          for (std::size_t i = 0; i < a.size(); ++i) {
            CHECK(a[i].product_id == b[i].product_id);
            CHECK(a[i].sold == b[i].sold);
          }
        }
      }
    }
  }
}

SCENARIO("A damaged sale line stops the best sellers' load, instead of being skipped", "[projections][bestsellers]") {
  auto ranking = std::make_shared<SalesRanking>();
  BestSellerProjection projection(ranking, kNow);
  FoldHarness given(projection);
  GIVEN("a stored sale whose line is not two ids") {
    REQUIRE(given.Fold({PaidFor(1, kNow - 1'000, {Line(1, 11, 2)})}));
    std::string key = keys::Tagged('s', kNow - 1'000, 1);
    PutFixed64BE(&key, 11);
    given.Damage(key, "short");
    WHEN("a fresh instance loads") {
      BestSellerProjection restarted(std::make_shared<SalesRanking>(), kNow);
      auto loaded = restarted.Load(given.Reader());
      THEN("the load fails with kCorruption, naming the key") {
        CheckCorruptionNaming(loaded, "bestsellers/s");
      }
    }
  }
}
