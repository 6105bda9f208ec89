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
      auto top = ranking->Top(given.Reader(), kNow, 1, 5);
      REQUIRE(top);
      REQUIRE(top->size() == 2);
      CHECK((*top)[0].product_id == 1);  // 3 sold; ties go to the lower id
      CHECK((*top)[0].sold == 3);
      CHECK((*top)[1].product_id == 2);
      CHECK((*top)[1].sold == 2);
    }
    THEN("three days count the first two orders") {
      auto top = ranking->Top(given.Reader(), kNow, 3, 5);
      REQUIRE(top);
      REQUIRE(top->size() == 2);
      CHECK((*top)[0].product_id == 2);
      CHECK((*top)[0].sold == 4);
    }
    THEN("thirty days count all three, and the limit cuts the list") {
      auto top = ranking->Top(given.Reader(), kNow, 30, 1);
      REQUIRE(top);
      REQUIRE(top->size() == 1);
      CHECK((*top)[0].product_id == 3);
      CHECK((*top)[0].sold == 50);
    }

    WHEN("a fresh instance loads what was stored (a restart)") {
      auto reloaded = std::make_shared<SalesRanking>();
      BestSellerProjection restarted(reloaded, kNow);
      REQUIRE(restarted.Load(given.Reader()));
      THEN("it ranks as the one that folded the events") {
        for (int days : {1, 3, 30}) {
          auto a = ranking->Top(given.Reader(), kNow, days, 5);
          auto b = reloaded->Top(given.Reader(), kNow, days, 5);
          REQUIRE(a);
          REQUIRE(b);
          REQUIRE(a->size() == b->size());
          for (std::size_t i = 0; i < a->size(); ++i) {
            CHECK((*a)[i].product_id == (*b)[i].product_id);
            CHECK((*a)[i].sold == (*b)[i].sold);
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
  GIVEN("a stored sale whose line is not three ids") {
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

namespace {

// The products and quantities of a ranking, in rank order.
std::vector<std::pair<ProductId, Quantity>> Ranks(const Result<std::vector<RankedProduct>>& top) {
  REQUIRE(top);
  std::vector<std::pair<ProductId, Quantity>> ranks;
  for (const auto& r : *top) ranks.emplace_back(r.product_id, r.sold);
  return ranks;
}

using Ranked = std::vector<std::pair<ProductId, Quantity>>;

}  // namespace

SCENARIO("Sales leave a window to the millisecond, read back from the store", "[projections][bestsellers]") {
  auto ranking = std::make_shared<SalesRanking>();
  BestSellerProjection projection(ranking, kNow);
  FoldHarness given(projection);
  GIVEN("5 of product 1 paid one second inside the 3-day window, and 1 of product 2 an hour ago") {
    REQUIRE(given.Fold({PaidFor(1, kNow - 3 * kDayMs + 1'000, {Line(1, 11, 5)}),
                        PaidFor(2, kNow - 3'600'000, {Line(2, 21, 1)})}));
    REQUIRE(Ranks(ranking->Top(given.Reader(), kNow, 3, 5)) == Ranked{{1, 5}, {2, 1}});
    WHEN("999 ms pass") {
      THEN("product 1 still counts") {
        CHECK(Ranks(ranking->Top(given.Reader(), kNow + 999, 3, 5)) == Ranked{{1, 5}, {2, 1}});
      }
    }
    WHEN("one second passes: its sale is exactly three days old") {
      THEN("only product 2 is left") {
        CHECK(Ranks(ranking->Top(given.Reader(), kNow + 1'000, 3, 5)) == Ranked{{2, 1}});
      }
    }
    WHEN("the clock steps back after the sale left") {
      REQUIRE(Ranks(ranking->Top(given.Reader(), kNow + kDayMs, 3, 5)) == Ranked{{2, 1}});
      THEN("the window is built again and counts it") {
        CHECK(Ranks(ranking->Top(given.Reader(), kNow, 3, 5)) == Ranked{{1, 5}, {2, 1}});
      }
    }
  }
}

SCENARIO("A batch written while a window is built is counted once", "[projections][bestsellers]") {
  auto ranking = std::make_shared<SalesRanking>();
  BestSellerProjection projection(ranking, kNow);
  FoldHarness given(projection);
  GIVEN("a 3-day window in use, and a sale of 4 of product 7 written but not yet announced as durable") {
    REQUIRE(given.Fold({PaidFor(1, kNow - kDayMs, {Line(1, 11, 1)})}));
    REQUIRE(Ranks(ranking->Top(given.Reader(), kNow, 3, 5)) == Ranked{{1, 1}});
    REQUIRE(given.FoldUnannounced({PaidFor(2, kNow - 10, {Line(7, 71, 4)})}));
    THEN("the window in use does not have it yet") {
      CHECK(Ranks(ranking->Top(given.Reader(), kNow, 3, 5)) == Ranked{{1, 1}});
    }
    WHEN("a 2-day window is built from the store in between, and then the batch is announced") {
      REQUIRE(Ranks(ranking->Top(given.Reader(), kNow, 2, 5)) == Ranked{{7, 4}, {1, 1}});
      given.AnnounceCommitted();
      THEN("both windows count the sale once") {
        CHECK(Ranks(ranking->Top(given.Reader(), kNow, 2, 5)) == Ranked{{7, 4}, {1, 1}});
        CHECK(Ranks(ranking->Top(given.Reader(), kNow, 3, 5)) == Ranked{{7, 4}, {1, 1}});
      }
    }
  }
}

SCENARIO("A sale announced after its window moved past it is neither counted nor taken out",
         "[projections][bestsellers]") {
  auto ranking = std::make_shared<SalesRanking>();
  BestSellerProjection projection(ranking, kNow);
  FoldHarness given(projection);
  GIVEN("a 3-day window in use, and 2 of product 5 paid near its edge, written but not announced") {
    REQUIRE(given.Fold({PaidFor(1, kNow - 3'600'000, {Line(1, 11, 1)})}));
    REQUIRE(Ranks(ranking->Top(given.Reader(), kNow, 3, 5)) == Ranked{{1, 1}});
    REQUIRE(given.FoldUnannounced({PaidFor(2, kNow - 3 * kDayMs + 500, {Line(5, 51, 2)})}));
    WHEN("the window moves past the sale, and then the batch is announced") {
      REQUIRE(Ranks(ranking->Top(given.Reader(), kNow + 1'000, 3, 5)) == Ranked{{1, 1}});
      given.AnnounceCommitted();
      THEN("product 5 is not in it, and product 1 still counts once") {
        CHECK(Ranks(ranking->Top(given.Reader(), kNow + 2'000, 3, 5)) == Ranked{{1, 1}});
      }
    }
  }
}

SCENARIO("Memory holds a total per product and window, however many sales", "[projections][bestsellers]") {
  auto ranking = std::make_shared<SalesRanking>();
  BestSellerProjection projection(ranking, kNow);
  FoldHarness given(projection);
  GIVEN("3-day and 30-day windows in use, then 3,000 sales of products 1 to 3 over the last two days") {
    REQUIRE(ranking->Top(given.Reader(), kNow, 3, 5));
    REQUIRE(ranking->Top(given.Reader(), kNow, 30, 5));
    for (std::int64_t i = 1; i <= 3'000; ++i) {
      REQUIRE(given.Fold({PaidFor(i, kNow - 2 * kDayMs + i * 1'000, {Line(1 + i % 3, 10 + i % 3, 1)})}));
    }
    THEN("each window holds three totals, and they add up") {
      CHECK(ranking->totals() == 6);
      CHECK(Ranks(ranking->Top(given.Reader(), kNow, 3, 5)) == Ranked{{1, 1'000}, {2, 1'000}, {3, 1'000}});
    }
  }
}

SCENARIO("Every line of an order paid after the window was built counts", "[projections][bestsellers]") {
  auto ranking = std::make_shared<SalesRanking>();
  BestSellerProjection projection(ranking, kNow);
  FoldHarness given(projection);
  GIVEN("a 3-day window in use") {
    REQUIRE(Ranks(ranking->Top(given.Reader(), kNow, 3, 5)).empty());
    WHEN("one order pays two options of product 1 and one of product 2") {
      REQUIRE(given.Fold({PaidFor(1, kNow - 1'000, {Line(1, 11, 1), Line(1, 12, 2), Line(2, 21, 1)})}));
      THEN("product 1 has both options' quantities") {
        CHECK(Ranks(ranking->Top(given.Reader(), kNow, 3, 5)) == Ranked{{1, 3}, {2, 1}});
      }
    }
  }
}
