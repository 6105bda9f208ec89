#include "domain/order.h"

#include <catch2/catch.hpp>

#include "domain/errors.h"

using namespace eventmart;

TEST_CASE("Discounts: FIXED is the value, RATE rounds down, neither passes the total", "[domain][order]") {
  CHECK(DiscountFor(DiscountType::kFixed, 5000, 12000) == 5000);
  CHECK(DiscountFor(DiscountType::kFixed, 50000, 12000) == 12000);
  CHECK(DiscountFor(DiscountType::kRate, 10, 12345) == 1234);
  CHECK(DiscountFor(DiscountType::kRate, 33, 1000) == 330);
  CHECK(DiscountFor(DiscountType::kRate, 100, 999) == 999);
  CHECK(DiscountFor(DiscountType::kRate, 1, 99) == 0);
}

SCENARIO("An order is priced, then paid once, before its deadline", "[domain][order]") {
  std::vector<OrderLine> lines = {{.product_id = 1, .option_id = 10, .quantity = 2, .unit_price = 1500, .amount = 0},
                                  {.product_id = 2, .option_id = 20, .quantity = 1, .unit_price = 7000, .amount = 0}};
  auto placed = DecidePlaceOrder(5, 9, lines, CouponToApply{3, 30, DiscountType::kRate, 15}, 1000, 300'000);
  CHECK(placed.lines[0].amount == 3000);
  CHECK(placed.total_amount == 10000);
  CHECK(placed.discount_amount == 1500);
  CHECK(placed.pay_amount == 8500);
  CHECK(placed.expires_at_ms == 301'000);
  OrderState order;
  Evolve(order, placed);

  GIVEN("a balance too small") {
    auto r = DecidePay(order, 5, AccountState{.balance = 8499}, 1, 2000);
    THEN("payment is refused") { CHECK(r.error().code == DomainErrc::kInsufficientBalance); }
  }
  GIVEN("enough points") {
    auto r = DecidePay(order, 5, AccountState{.balance = 10000}, 1, 2000);
    REQUIRE(r);
    CHECK(r->spent.balance_after == 1500);
    REQUIRE(r->coupon_used);
    CHECK(r->coupon_used->user_coupon_id == 30);
    CHECK(r->paid.lines.size() == 2);
    Evolve(order, r->paid);
    THEN("a second payment is refused") {
      CHECK(DecidePay(order, 5, AccountState{.balance = 10000}, 2, 2000).error().code == DomainErrc::kOrderNotPayable);
    }
  }
  GIVEN("the deadline has passed") {
    THEN("it cannot be paid even before the expiry is recorded") {
      CHECK(DecidePay(order, 5, AccountState{.balance = 10000}, 1, 301'000).error().code == DomainErrc::kOrderNotPayable);
      CHECK_FALSE(IsOpen(order, 301'000));
      CHECK(IsOpen(order, 300'999));
    }
  }
}

TEST_CASE("Stock reservations never go below zero", "[domain][order]") {
  CHECK(DecideReserveStock(1, 10, 3, 3, 7)->stock_after == 0);
  CHECK(DecideReserveStock(1, 10, 3, 4, 7).error().code == DomainErrc::kOutOfStock);
}
