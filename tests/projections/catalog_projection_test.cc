#include "projections/catalog_projection.h"

#include <catch2/catch.hpp>

#include "projections/keys.h"
#include "tests/projections/fold_harness.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

using CatalogScenario = ProjectionScenario<CatalogProjection, CatalogQueries>;

ProductCreated Shirt() {
  return ProductWithTwoOptions("Shirt", {.name = "S", .price = 100, .stock = 10}, {.name = "M", .price = 120, .stock = 5});
}

ProductCreated OneOption(ProductId id, Quantity stock) {
  return ProductCreated{.product_id = id, .name = "p" + std::to_string(id),
                        .options = {{.option_id = id * 10 + 1, .name = "default", .price = 50, .stock = stock}}};
}

}  // namespace

SCENARIO_METHOD(CatalogScenario, "The catalog shows products with their options' current stock", "[projections][catalog]") {
  GIVEN("a product with two options") {
    REQUIRE(given.Fold({Shirt()}));

    THEN("it is found with its options and the stock they were created with") {
      auto product = Found(q.FindProduct(1));
      CHECK(product->name == "Shirt");
      REQUIRE(product->options.size() == 2);
      CHECK(product->options[0].name == "S");
      CHECK(product->options[0].price == 100);
      CHECK(product->options[0].stock == 10);
      CHECK(product->options[1].stock == 5);
      CHECK(product->TotalStock() == 15);
    }
    THEN("each option knows its product") {
      CHECK(q.ProductOfOption(11).value() == 1);
      CHECK(q.ProductOfOption(12).value() == 1);
      CHECK(q.ProductOfOption(13).value() == std::nullopt);
    }
    THEN("an unknown product is not found (not an error)") { CHECK(q.FindProduct(2).value() == std::nullopt); }

    WHEN("stock is reserved, released and restocked") {
      REQUIRE(given.Fold({StockReserved{.product_id = 1, .option_id = 11, .order_id = 5, .quantity = 4, .stock_after = 6},
                          StockReleased{.product_id = 1, .option_id = 11, .order_id = 5, .quantity = 1, .stock_after = 7},
                          StockRestocked{.product_id = 1, .option_id = 12, .quantity = 3, .stock_after = 8}}));
      THEN("each option shows the stock after the last change") {
        auto product = Found(q.FindProduct(1));
        CHECK(product->options[0].stock == 7);
        CHECK(product->options[1].stock == 8);
      }
    }

    WHEN("every option is sold out") {
      REQUIRE(given.Fold({StockReserved{.product_id = 1, .option_id = 11, .order_id = 5, .quantity = 10, .stock_after = 0},
                          StockReserved{.product_id = 1, .option_id = 12, .order_id = 5, .quantity = 5, .stock_after = 0}}));
      THEN("the list leaves it out unless sold-out products are asked for") {
        CHECK(q.List(0, 10, /*include_sold_out=*/false).value().items.empty());
        auto all = q.List(0, 10, /*include_sold_out=*/true).value();
        REQUIRE(all.items.size() == 1);
        CHECK(all.items[0].TotalStock() == 0);
      }
    }
  }

  GIVEN("three products, the second sold out") {
    REQUIRE(given.Fold({OneOption(1, 3), OneOption(2, 0), OneOption(3, 4)}));
    WHEN("the list is read one at a time") {
      auto first = q.List(0, 1, false).value();
      auto second = q.List(first.next, 1, false).value();
      THEN("it pages by product id, skipping the sold-out one") {
        REQUIRE(first.items.size() == 1);
        CHECK(first.items[0].product_id == 1);
        CHECK(first.next == 1);
        REQUIRE(second.items.size() == 1);
        CHECK(second.items[0].product_id == 3);
        CHECK(second.next == 0);
      }
    }
  }
}

SCENARIO_METHOD(CatalogScenario, "A damaged catalog record is an error, never a missing product", "[projections][catalog]") {
  GIVEN("a product whose stock has moved") {
    REQUIRE(given.Fold({Shirt(), StockReserved{.product_id = 1, .option_id = 11, .order_id = 5, .quantity = 1,
                                               .stock_after = 9}}));

    WHEN("its product record does not decode") {
      given.Damage(keys::Tagged('p', 1), "\xff\xff\xff");
      THEN("finding it and listing fail with kCorruption") {
        CHECK(ErrorOf(q.FindProduct(1)) == ReadModelErrc::kCorruption);
        CHECK(ErrorOf(q.List(0, 10, true)) == ReadModelErrc::kCorruption);
      }
    }
    WHEN("an option's stock record is not 8 bytes") {
      given.Damage(keys::Tagged('s', 11), "12");
      THEN("finding the product fails, rather than showing the stock it was created with") {
        CheckCorruptionNaming(q.FindProduct(1), "catalog/s");
      }
    }
    WHEN("an option's product record is not 8 bytes") {
      given.Damage(keys::Tagged('o', 12), "");
      THEN("the option's product is an error") { CHECK(ErrorOf(q.ProductOfOption(12)) == ReadModelErrc::kCorruption); }
    }
  }
}

SCENARIO_METHOD(CatalogScenario, "Stopped products answer by id with their status and are left out of the list", "[projections][catalog]") {
  GIVEN("three products on sale, the second one stopped") {
    REQUIRE(given.Fold({OneOption(1, 5), OneOption(2, 5), OneOption(3, 0),
                        ProductStatusChanged{.product_id = 2, .status = ProductStatus::kStopped, .at_ms = 1}}));

    THEN("each answers by id with its status") {
      CHECK(q.FindProduct(1).value()->status == ProductStatus::kOnSale);
      CHECK(q.FindProduct(2).value()->status == ProductStatus::kStopped);
    }
    THEN("the list leaves it out, sold out or not") {
      auto page = q.List(0, 10, /*include_sold_out=*/false).value();
      REQUIRE(page.items.size() == 1);
      CHECK(page.items[0].product_id == 1);
      auto all = q.List(0, 10, /*include_sold_out=*/true).value();
      REQUIRE(all.items.size() == 2);
      CHECK(all.items[1].product_id == 3);
    }
    THEN("asked for, stopped products are listed with their status") {
      auto page = q.List(0, 10, /*include_sold_out=*/true, /*include_stopped=*/true).value();
      REQUIRE(page.items.size() == 3);
      CHECK(page.items[1].status == ProductStatus::kStopped);
      CHECK(page.items[0].status == ProductStatus::kOnSale);
    }
    THEN("the list walks an index of products on sale: a stopped product has no entry in it") {
      CHECK(given.Reader().Get(keys::Tagged('n', 1)).value().has_value());
      CHECK_FALSE(given.Reader().Get(keys::Tagged('n', 2)).value().has_value());
    }
    THEN("pages count only what they list") {
      auto first = q.List(0, 1, /*include_sold_out=*/true).value();
      REQUIRE(first.items.size() == 1);
      CHECK(first.next == 1);
      auto second = q.List(first.next, 1, /*include_sold_out=*/true).value();
      REQUIRE(second.items.size() == 1);
      CHECK(second.items[0].product_id == 3);
      CHECK(second.next == 0);
    }
    WHEN("it is put on sale again") {
      REQUIRE(given.Fold({ProductStatusChanged{.product_id = 2, .status = ProductStatus::kOnSale, .at_ms = 2}}));
      THEN("it is listed again") {
        CHECK(q.FindProduct(2).value()->status == ProductStatus::kOnSale);
        CHECK(q.List(0, 10, false).value().items.size() == 2);
      }
    }
  }
}
