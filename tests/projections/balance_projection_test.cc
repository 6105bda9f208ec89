#include "projections/balance_projection.h"

#include <catch2/catch.hpp>

#include "projections/keys.h"
#include "tests/projections/fold_harness.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

using BalanceScenario = ProjectionScenario<BalanceProjection, BalanceQueries>;

}  // namespace

SCENARIO_METHOD(BalanceScenario, "A user's balance and history follow their charges and payments", "[projections][balances]") {
  GIVEN("a user who signed up") {
    REQUIRE(given.Fold({UserRegistered{.user_id = 7, .name = "kim"}}));

    THEN("the user is known, with a balance of 0 and no history") {
      CHECK(q.UserName(7).value() == "kim");
      CHECK(q.Balance(7).value() == 0);
      CHECK(q.History(7, 10, 0).value().items.empty());
    }
    THEN("another user is unknown (not an error)") {
      CHECK(q.UserName(8).value() == std::nullopt);
      CHECK(q.Balance(8).value() == std::nullopt);
    }

    WHEN("they charge 1000 and 500, then pay 300 for order 9") {
      REQUIRE(given.Fold({PointsCharged{.user_id = 7, .amount = 1000, .balance_after = 1000},
                          PointsCharged{.user_id = 7, .amount = 500, .balance_after = 1500},
                          PointsSpent{.user_id = 7, .order_id = 9, .amount = 300, .balance_after = 1200}}));

      THEN("the balance is the last balance after") { CHECK(q.Balance(7).value() == 1200); }
      THEN("the history lists every entry, newest first, with when it happened") {
        auto page = q.History(7, 10, 0).value();
        REQUIRE(page.items.size() == 3);
        CHECK(page.next == 0);
        CHECK(page.items[0].type == HistoryType::kPayment);
        CHECK(page.items[0].amount == 300);
        CHECK(page.items[0].balance_after == 1200);
        CHECK(page.items[0].order_id == 9);
        CHECK(page.items[0].occurred_at_ms == FoldHarness::OccurredAt(4));
        CHECK(page.items[1].type == HistoryType::kCharge);
        CHECK(page.items[1].amount == 500);
        CHECK(page.items[1].order_id == 0);
        CHECK(page.items[2].amount == 1000);
      }
      THEN("the history pages by position") {
        auto first = q.History(7, 2, 0).value();
        REQUIRE(first.items.size() == 2);
        REQUIRE(first.next == first.items.back().position);
        auto second = q.History(7, 2, first.next).value();
        REQUIRE(second.items.size() == 1);
        CHECK(second.items[0].amount == 1000);
        CHECK(second.next == 0);
      }
      THEN("another user's history is not theirs") { CHECK(q.History(8, 10, 0).value().items.empty()); }
    }
  }
}

SCENARIO_METHOD(BalanceScenario, "A damaged balance or history record is an error, never an unknown user or a gap",
                "[projections][balances]") {
  GIVEN("a user with one charge") {
    REQUIRE(given.Fold({UserRegistered{.user_id = 7, .name = "kim"},
                        PointsCharged{.user_id = 7, .amount = 10, .balance_after = 10}}));

    WHEN("the stored balance is not 8 bytes") {
      given.Damage(keys::Tagged('b', 7), "abc");
      THEN("the balance query fails with kCorruption, naming the key") {
        CheckCorruptionNaming(q.Balance(7), "balances/b");
      }
    }
    WHEN("a stored history entry does not decode") {
      given.Damage(keys::Tagged('h', 7, 2), std::string("\x07garbage", 8));
      THEN("the history query fails instead of leaving the entry out") {
        CHECK(ErrorOf(q.History(7, 10, 0)) == ReadModelErrc::kCorruption);
      }
    }
  }
}
