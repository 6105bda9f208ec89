#include <catch2/catch.hpp>

#include "domain/cart.h"
#include "domain/catalog.h"
#include "domain/coupon.h"
#include "domain/errors.h"

using namespace eventmart;

SCENARIO("Products get consecutive option ids and validated fields", "[domain][catalog]") {
  NewProduct shirt{"Shirt", {{"S", 1000, 5}, {"M", 1200, 0}}};
  auto created = DecideCreateProduct(7, 40, shirt);
  REQUIRE(created);
  CHECK(created->options[0].option_id == 40);
  CHECK(created->options[1].option_id == 41);
  CHECK(DecideCreateProduct(1, 1, {"", {{"S", 1, 1}}}).error().code == DomainErrc::kInvalidRequest);
  CHECK(DecideCreateProduct(1, 1, {"x", {}}).error().code == DomainErrc::kInvalidRequest);
  CHECK(DecideCreateProduct(1, 1, {"x", {{"S", -1, 1}}}).error().code == DomainErrc::kInvalidAmount);
  CHECK(DecideCreateProduct(1, 1, {"x", {{"S", kMaxPrice + 1, 1}}}).error().code == DomainErrc::kInvalidAmount);
  CHECK(DecideCreateProduct(1, 1, {"x", {{"S", 1, -1}}}).error().code == DomainErrc::kInvalidRequest);
  CHECK(DecideCreateProduct(1, 1, {"x", {{"S", 1, kMaxStock + 1}}}).error().code == DomainErrc::kInvalidRequest);
  CHECK(DecideCreateProduct(1, 1, {"x", {{"S", 0, 0}}}));  // free and sold out is allowed
}

SCENARIO("Restocking adds to one option, within the stock limit", "[domain][catalog]") {
  OptionState option{.option_id = 9, .name = "S", .price = 10, .stock = 3};
  auto restocked = DecideRestock(option, 1, 9, 4);
  REQUIRE(restocked);
  CHECK(restocked->stock_after == 7);
  CHECK(DecideRestock(option, 1, 9, 0).error().code == DomainErrc::kInvalidRequest);
  CHECK(DecideRestock(option, 1, 9, kMaxStock).error().code == DomainErrc::kInvalidRequest);
}

namespace {

// Issues coupon 1 to `user` (as user coupon `held`, at time 5) and folds
// the issue into `coupon`; the decision must succeed.
CouponIssued IssuedAndFolded(CouponState& coupon, UserId user, UserCouponId held) {
  auto issued = DecideIssueCoupon(coupon, 1, user, held, 5);
  REQUIRE(issued);
  Evolve(coupon, *issued);
  return *issued;
}

}  // namespace

SCENARIO("A coupon is issued first come first served", "[domain][coupon]") {
  CouponState coupon;
  Evolve(coupon, CouponCreated{.coupon_id = 1, .name = "c", .discount_type = DiscountType::kFixed, .discount_value = 1000,
                              .total_quantity = 2, .expires_at_ms = 0});
  GIVEN("a coupon with two left") {
    CHECK(IssuedAndFolded(coupon, 10, 100).remaining_after == 1);
    WHEN("the same user asks again") {
      THEN("they learn they hold it") {
        CHECK(DecideIssueCoupon(coupon, 1, 10, 101, 5).error().code == DomainErrc::kCouponAlreadyIssued);
      }
    }
    WHEN("two more users ask") {
      CHECK(IssuedAndFolded(coupon, 11, 101).remaining_after == 0);
      THEN("the third finds it sold out, and a holder still hears 'already issued'") {
        CHECK(DecideIssueCoupon(coupon, 1, 12, 102, 5).error().code == DomainErrc::kCouponSoldOut);
        CHECK(DecideIssueCoupon(coupon, 1, 11, 102, 5).error().code == DomainErrc::kCouponAlreadyIssued);
      }
    }
  }
  GIVEN("a coupon past its expiry") {
    coupon.expires_at_ms = 1000;
    THEN("it is not usable") {
      CHECK(DecideIssueCoupon(coupon, 1, 10, 100, 1000).error().code == DomainErrc::kCouponNotUsable);
      CHECK(DecideIssueCoupon(coupon, 1, 10, 100, 999));
    }
  }
}

SCENARIO("Coupon values are checked by type", "[domain][coupon]") {
  CHECK(ValidateNewCoupon({"c", DiscountType::kRate, 100, 1, 0}));
  CHECK(ValidateNewCoupon({"c", DiscountType::kRate, 101, 1, 0}).error().code == DomainErrc::kInvalidRequest);
  CHECK(ValidateNewCoupon({"c", DiscountType::kFixed, 0, 1, 0}).error().code == DomainErrc::kInvalidAmount);
  CHECK(ValidateNewCoupon({"c", DiscountType::kFixed, 10, 0, 0}).error().code == DomainErrc::kInvalidRequest);
  CHECK(ValidateNewCoupon({"", DiscountType::kFixed, 10, 1, 0}).error().code == DomainErrc::kInvalidRequest);
}

SCENARIO("Cart lines add up and stay within stock", "[domain][cart]") {
  CartState cart;
  auto added = DecideAddToCart(cart, 1, 5, 50, 2, 3);
  REQUIRE(added);
  Evolve(cart, *added);
  CHECK(DecideAddToCart(cart, 1, 5, 50, 2, 3).error().code == DomainErrc::kOutOfStock);
  auto more = DecideAddToCart(cart, 1, 5, 50, 1, 3);
  REQUIRE(more);
  CHECK(more->quantity_after == 3);
  CHECK(DecideAddToCart(cart, 1, 5, 50, 0, 3).error().code == DomainErrc::kInvalidRequest);
  CHECK(DecideRemoveFromCart(cart, 1, 50));
  CHECK_FALSE(DecideRemoveFromCart(cart, 1, 51));
}
