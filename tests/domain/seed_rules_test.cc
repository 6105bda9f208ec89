// The seeds' remaining rules: products on sale or stopped (seed 003),
// coupon issuance windows and pauses (seed 003), coupons for some products
// (seed 004). Decided against state folded from given events.
#include <catch2/catch.hpp>

#include "domain/decide.h"
#include "domain/errors.h"
#include "tests/domain/given.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

std::error_code CodeOf(const Result<Events>& r) { return r ? std::error_code() : r.error().code; }

PlaceOrder Order(UserId user, std::vector<OrderItem> items, std::optional<CouponId> coupon = std::nullopt) {
  return PlaceOrder{.user_id = user, .items = std::move(items), .coupon_id = coupon, .pay = false};
}

}  // namespace

SCENARIO("A stopped product can be neither put in a cart nor ordered, but its orders can still be paid",
         "[domain][decide][catalog][seeds]") {
  GIVEN("a user with an unpaid order of a product that is then stopped") {
    Given given{User(1), Charged(1, 10'000), Product(1, {Option(10, 1000, 5)})};
    REQUIRE(given.WhenApplied(Order(1, {{.product_id = 1, .option_id = 10, .quantity = 1}})));
    auto stopped = given.WhenApplied(SetProductStatus{.product_id = 1, .status = ProductStatus::kStopped});
    REQUIRE(stopped);
    REQUIRE(Only<ProductStatusChanged>(*stopped).size() == 1);
    WHEN("the product is ordered or put in a cart") {
      THEN("it is not sellable") {
        CHECK(CodeOf(given.When(Order(1, {{.product_id = 1, .option_id = 10, .quantity = 1}}))) ==
              DomainErrc::kProductNotSellable);
        CHECK(CodeOf(given.When(AddCartItem{.user_id = 1, .product_id = 1, .option_id = 10, .quantity = 1})) ==
              DomainErrc::kProductNotSellable);
      }
      THEN("an unknown product is still a 404 first") {
        CHECK(CodeOf(given.When(Order(1, {{.product_id = 1, .option_id = 10, .quantity = 1},
                                          {.product_id = 7, .option_id = std::nullopt, .quantity = 1}}))) ==
              DomainErrc::kProductNotFound);
      }
    }
    WHEN("the order placed before the stop is paid") {
      THEN("it goes through") { CHECK(given.When(PayOrder{.order_id = 1, .user_id = 1})); }
    }
    WHEN("it is stopped again") {
      auto again = given.When(SetProductStatus{.product_id = 1, .status = ProductStatus::kStopped});
      THEN("nothing is recorded") {
        REQUIRE(again);
        CHECK(again->empty());
      }
    }
    WHEN("it is put back on sale") {
      REQUIRE(given.WhenApplied(SetProductStatus{.product_id = 1, .status = ProductStatus::kOnSale}));
      THEN("it can be ordered again") {
        CHECK(given.When(Order(1, {{.product_id = 1, .option_id = 10, .quantity = 1}})));
      }
    }
  }
  GIVEN("no such product") {
    Given given{};
    THEN("its status cannot be set") {
      CHECK(CodeOf(given.When(SetProductStatus{.product_id = 3, .status = ProductStatus::kStopped})) ==
            DomainErrc::kProductNotFound);
    }
  }
}

SCENARIO("A coupon is issued only inside its window and while not paused", "[domain][decide][coupon][seeds]") {
  CouponCreated windowed = Coupon(1, DiscountType::kFixed, 1000, 1);
  windowed.issue_from_ms = kNow;
  windowed.issue_until_ms = kNow + 60'000;
  GIVEN("a coupon of 1 issued from now for a minute, and two users") {
    Given given{User(1), User(2), windowed};
    THEN("a moment before the window it is not issuable, at its start it is") {
      CHECK(CodeOf(given.When(IssueCoupon{.coupon_id = 1, .user_id = 1}, kNow - 1)) ==
            DomainErrc::kCouponNotIssuable);
      CHECK(given.When(IssueCoupon{.coupon_id = 1, .user_id = 1}, kNow));
    }
    THEN("at the window's end it is not issuable") {
      CHECK(CodeOf(given.When(IssueCoupon{.coupon_id = 1, .user_id = 1}, kNow + 60'000)) ==
            DomainErrc::kCouponNotIssuable);
    }
    WHEN("it is paused") {
      auto paused = given.WhenApplied(PauseCoupon{1});
      REQUIRE(paused);
      CHECK(Only<CouponPaused>(*paused).size() == 1);
      THEN("it is not issuable, and pausing again records nothing") {
        CHECK(CodeOf(given.When(IssueCoupon{.coupon_id = 1, .user_id = 1})) == DomainErrc::kCouponNotIssuable);
        CHECK(given.When(PauseCoupon{1})->empty());
      }
      AND_WHEN("it is resumed") {
        REQUIRE(given.WhenApplied(ResumeCoupon{1}));
        THEN("it is issued again") { CHECK(given.When(IssueCoupon{.coupon_id = 1, .user_id = 1})); }
      }
    }
    WHEN("user 1 holds the only one and the coupon is paused") {
      REQUIRE(given.WhenApplied(IssueCoupon{.coupon_id = 1, .user_id = 1}));
      REQUIRE(given.WhenApplied(PauseCoupon{1}));
      THEN("the checks run in the contract's order: already issued, not issuable, sold out") {
        CHECK(CodeOf(given.When(IssueCoupon{.coupon_id = 1, .user_id = 1})) == DomainErrc::kCouponAlreadyIssued);
        CHECK(CodeOf(given.When(IssueCoupon{.coupon_id = 1, .user_id = 2})) == DomainErrc::kCouponNotIssuable);
        REQUIRE(given.WhenApplied(ResumeCoupon{1}));
        CHECK(CodeOf(given.When(IssueCoupon{.coupon_id = 1, .user_id = 2})) == DomainErrc::kCouponSoldOut);
      }
    }
  }
  GIVEN("no such coupon") {
    Given given{};
    THEN("it can be neither paused nor resumed") {
      CHECK(CodeOf(given.When(PauseCoupon{4})) == DomainErrc::kCouponNotFound);
      CHECK(CodeOf(given.When(ResumeCoupon{4})) == DomainErrc::kCouponNotFound);
    }
  }
  THEN("a window must end after it starts") {
    NewCoupon bad{"w", DiscountType::kFixed, 10, 1, 0, kNow, kNow, {}};
    CHECK(ValidateNewCoupon(bad).error().code == DomainErrc::kInvalidRequest);
  }
}

SCENARIO("A coupon for some products discounts only their lines", "[domain][decide][coupon][order][seeds]") {
  // Product 1: 10,000 a unit; product 2: 3,000; product 3: 500.
  Given given{User(1), Product(1, {Option(10, 10'000, 9)}), Product(2, {Option(20, 3000, 9)}),
              Product(3, {Option(30, 500, 9)})};
  auto create = [&](DiscountType type, std::int64_t value, std::vector<ProductId> products) {
    auto events = given.WhenApplied(CreateCoupon{NewCoupon{"c", type, value, 10, 0, 0, 0, std::move(products)}});
    REQUIRE(events);
    CouponId id = Only<CouponCreated>(*events).at(0).coupon_id;
    REQUIRE(given.WhenApplied(IssueCoupon{.coupon_id = id, .user_id = 1}));
    return id;
  };
  std::vector<OrderItem> mixed = {{.product_id = 1, .option_id = 10, .quantity = 1},
                                  {.product_id = 2, .option_id = 20, .quantity = 2},
                                  {.product_id = 3, .option_id = 30, .quantity = 1}};
  WHEN("a RATE coupon for products 2 and 3 goes on a mixed order") {
    CouponId id = create(DiscountType::kRate, 15, {3, 2, 3});
    auto events = given.When(Order(1, mixed, id));
    THEN("15% of the matching lines (6,500) comes off, rounded down") {
      REQUIRE(events);
      auto placed = Only<OrderPlaced>(*events).at(0);
      CHECK(placed.total_amount == 16'500);
      CHECK(placed.discount_amount == 975);
      CHECK(placed.pay_amount == 15'525);
      CHECK(placed.coupon_product_ids == std::vector<ProductId>{2, 3});
    }
  }
  WHEN("a FIXED coupon worth more than its matching lines goes on a mixed order") {
    CouponId id = create(DiscountType::kFixed, 5000, {3});
    auto events = given.When(Order(1, mixed, id));
    THEN("the discount is capped at the matching lines") {
      REQUIRE(events);
      CHECK(Only<OrderPlaced>(*events).at(0).discount_amount == 500);
    }
  }
  WHEN("a FIXED coupon for every product goes on the same order") {
    CouponId id = create(DiscountType::kFixed, 5000, {});
    THEN("the whole order is its base") {
      auto events = given.When(Order(1, mixed, id));
      REQUIRE(events);
      CHECK(Only<OrderPlaced>(*events).at(0).discount_amount == 5000);
    }
  }
  WHEN("an order has no line of the coupon's products") {
    CouponId id = create(DiscountType::kRate, 10, {3});
    THEN("the coupon is not usable and nothing is reserved") {
      CHECK(CodeOf(given.When(Order(1, {{.product_id = 1, .option_id = 10, .quantity = 1}}, id))) ==
            DomainErrc::kCouponNotUsable);
    }
  }
  WHEN("a coupon names a product that does not exist") {
    auto events = given.When(CreateCoupon{NewCoupon{"c", DiscountType::kFixed, 10, 1, 0, 0, 0, {1, 99}}});
    THEN("the product is not found") { CHECK(CodeOf(events) == DomainErrc::kProductNotFound); }
  }
  WHEN("the order is paid") {
    CouponId id = create(DiscountType::kRate, 10, {2});
    given.And(Charged(1, 100'000));
    REQUIRE(given.WhenApplied(Order(1, mixed, id)));
    auto paid = given.When(PayOrder{.order_id = 1, .user_id = 1});
    THEN("the payment carries the products the discount covered") {
      REQUIRE(paid);
      CHECK(Only<OrderPaid>(*paid).at(0).coupon_product_ids == std::vector<ProductId>{2});
      CHECK(Only<OrderPaid>(*paid).at(0).discount_amount == 600);
    }
  }
}
