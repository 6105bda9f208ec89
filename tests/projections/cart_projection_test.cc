#include "projections/cart_projection.h"

#include <catch2/catch.hpp>

#include "projections/keys.h"
#include "tests/projections/fold_harness.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

ProductCreated Mug() {
  return ProductWithTwoOptions("Mug", {.name = "red", .price = 100, .stock = 10}, {.name = "blue", .price = 200, .stock = 10});
}

// Carts read names and prices from the catalog: both are folded.
struct CartScenario {
  CartProjection carts;
  CatalogProjection catalog;
  FoldHarness given{std::vector<Projection*>{&carts, &catalog}};
  CartQueries q{given.Reader(CartProjection::kName), given.Reader(CatalogProjection::kName)};
};

}  // namespace

SCENARIO_METHOD(CartScenario, "A cart shows its lines with the catalog's names and current prices", "[projections][carts]") {
  GIVEN("a product with two options") {
    REQUIRE(given.Fold({Mug()}));
    THEN("a user who added nothing has an empty cart") {
      auto cart = q.Cart(7).value();
      CHECK(cart.user_id == 7);
      CHECK(cart.items.empty());
    }

    WHEN("a user adds 2 red, then 1 more red, then 1 blue") {
      REQUIRE(given.Fold({CartItemAdded{.user_id = 7, .product_id = 1, .option_id = 11, .quantity = 2, .quantity_after = 2},
                          CartItemAdded{.user_id = 7, .product_id = 1, .option_id = 11, .quantity = 1, .quantity_after = 3},
                          CartItemAdded{.user_id = 7, .product_id = 1, .option_id = 12, .quantity = 1, .quantity_after = 1}}));
      THEN("the cart has one line per option, each at its quantity after") {
        auto cart = q.Cart(7).value();
        REQUIRE(cart.items.size() == 2);
        CHECK(cart.items[0].option_id == 11);
        CHECK(cart.items[0].product_id == 1);
        CHECK(cart.items[0].name == "Mug");
        CHECK(cart.items[0].option_name == "red");
        CHECK(cart.items[0].unit_price == 100);
        CHECK(cart.items[0].quantity == 3);
        CHECK(cart.items[1].option_name == "blue");
        CHECK(cart.items[1].quantity == 1);
        CHECK(cart.TotalAmount() == 3 * 100 + 200);
      }
      THEN("another user's cart is empty") { CHECK(q.Cart(8).value().items.empty()); }

      AND_WHEN("the red line is removed") {
        REQUIRE(given.Fold({CartItemRemoved{.user_id = 7, .option_id = 11}}));
        THEN("only the blue line is left") {
          auto cart = q.Cart(7).value();
          REQUIRE(cart.items.size() == 1);
          CHECK(cart.items[0].option_id == 12);
        }
      }
    }
  }
  GIVEN("a line of a product the catalog does not (yet) show") {
    REQUIRE(given.Fold({CartItemAdded{.user_id = 7, .product_id = 9, .option_id = 91, .quantity = 1, .quantity_after = 1}}));
    THEN("the line is listed without a name or price") {
      auto cart = q.Cart(7).value();
      REQUIRE(cart.items.size() == 1);
      CHECK(cart.items[0].name.empty());
      CHECK(cart.items[0].unit_price == 0);
    }
  }
}

SCENARIO_METHOD(CartScenario, "A damaged cart line, or a damaged product behind it, fails the cart", "[projections][carts]") {
  GIVEN("a cart with one line") {
    REQUIRE(given.Fold({Mug(), CartItemAdded{.user_id = 7, .product_id = 1, .option_id = 11, .quantity = 1,
                                             .quantity_after = 1}}));
    WHEN("the line no longer decodes") {
      given.Damage(keys::Tagged('l', 7, 11), "\x01");
      THEN("the cart query fails instead of leaving the line out") {
        CHECK(ErrorOf(q.Cart(7)) == ReadModelErrc::kCorruption);
      }
    }
    WHEN("the product record behind it no longer decodes") {
      PendingChanges damage;
      damage.Put(given.views().SlotOf(CatalogProjection::kName) + keys::Tagged('p', 1), "\x01");
      REQUIRE(given.views().Write(damage));
      THEN("the cart query fails instead of showing the line without a name") {
        CHECK(ErrorOf(q.Cart(7)) == ReadModelErrc::kCorruption);
      }
    }
  }
}
