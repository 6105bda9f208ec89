// Every command's rules, decided against state folded from given events.
#include "domain/decide.h"

#include <catch2/catch.hpp>

#include "domain/errors.h"
#include "tests/domain/given.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

std::error_code CodeOf(const Result<Events>& r) { return r ? std::error_code() : r.error().code; }

}  // namespace

SCENARIO("Signing up takes the next user id", "[domain][decide][account]") {
  GIVEN("two users") {
    Given given{User(1), User(2)};
    WHEN("a third signs up") {
      auto events = given.When(RegisterUser{"kim"});
      THEN("they are user 3") {
        REQUIRE(events);
        auto registered = Only<UserRegistered>(*events);
        REQUIRE(registered.size() == 1);
        CHECK(registered[0].user_id == 3);
        CHECK(registered[0].name == "kim");
      }
    }
    WHEN("a name is empty") {
      THEN("it is refused") { CHECK(CodeOf(given.When(RegisterUser{""})) == DomainErrc::kInvalidRequest); }
    }
  }
}

SCENARIO("Charging points needs a user and stays within the limit", "[domain][decide][account]") {
  GIVEN("a user with 9,999,000 points") {
    Given given{User(1), Charged(1, 9'999'000)};
    WHEN("1,000 more are charged") {
      auto events = given.When(ChargePoints{.user_id = 1, .amount = 1000});
      THEN("the balance reaches the limit exactly") {
        REQUIRE(events);
        CHECK(Only<PointsCharged>(*events).at(0).balance_after == kDefaultMaxBalance);
      }
    }
    WHEN("1,001 more are charged") {
      THEN("the limit refuses it") {
        CHECK(CodeOf(given.When(ChargePoints{.user_id = 1, .amount = 1001})) == DomainErrc::kBalanceLimitExceeded);
      }
    }
    WHEN("an unknown user is charged") {
      THEN("the user is not found") {
        CHECK(CodeOf(given.When(ChargePoints{.user_id = 2, .amount = 1})) == DomainErrc::kUserNotFound);
      }
    }
  }
}

SCENARIO("Products get the next product and option ids", "[domain][decide][catalog]") {
  Given given{Product(4, {Option(10, 1000, 1), Option(11, 1000, 1)})};
  auto events = given.When(CreateProduct{NewProduct{"Mug", {{"Red", 9000, 3}, {"Blue", 9000, 0}}}});
  REQUIRE(events);
  auto created = Only<ProductCreated>(*events).at(0);
  CHECK(created.product_id == 5);
  CHECK(created.options.at(0).option_id == 12);
  CHECK(created.options.at(1).option_id == 13);
}

SCENARIO("Restocking names an option of the product", "[domain][decide][catalog]") {
  GIVEN("two products") {
    Given given{Product(1, {Option(10, 500, 2)}), Product(2, {Option(20, 100, 0), Option(21, 100, 0)})};
    WHEN("an option of the product is restocked") {
      auto events = given.When(RestockOption{.product_id = 1, .option_id = 10, .quantity = 3});
      THEN("its stock goes up by the quantity") {
        REQUIRE(events);
        auto restocked = Only<StockRestocked>(*events).at(0);
        CHECK(restocked.option_id == 10);
        CHECK(restocked.stock_after == 5);
      }
    }
    WHEN("an option of another product is named") {
      THEN("it is not found") {
        CHECK(CodeOf(given.When(RestockOption{.product_id = 1, .option_id = 20, .quantity = 1})) ==
              DomainErrc::kProductNotFound);
      }
    }
    WHEN("an unknown product is named") {
      THEN("it is not found") {
        CHECK(CodeOf(given.When(RestockOption{.product_id = 3, .option_id = 10, .quantity = 1})) ==
              DomainErrc::kProductNotFound);
      }
    }
  }
}

SCENARIO("A product with one option needs none named, a product with several needs one", "[domain][decide][catalog]") {
  Given given{User(1), Product(1, {Option(10, 500, 2)}), Product(2, {Option(20, 100, 5), Option(21, 100, 5)})};
  auto one = given.When(AddCartItem{.user_id = 1, .product_id = 1, .option_id = std::nullopt, .quantity = 1});
  REQUIRE(one);
  CHECK(Only<CartItemAdded>(*one).at(0).option_id == 10);
  CHECK(CodeOf(given.When(AddCartItem{.user_id = 1, .product_id = 2, .option_id = std::nullopt, .quantity = 1})) ==
        DomainErrc::kInvalidRequest);
}

SCENARIO("Cart lines need a user, a known option and the stock", "[domain][decide][cart]") {
  GIVEN("a user and an option with 3 left") {
    Given given{User(1), Product(1, {Option(10, 500, 3)})};
    WHEN("2 are added, then 2 more") {
      auto first = given.WhenApplied(AddCartItem{.user_id = 1, .product_id = 1, .option_id = std::nullopt,
                                                 .quantity = 2});
      REQUIRE(first);
      CHECK(Only<CartItemAdded>(*first).at(0).quantity_after == 2);
      THEN("the line may not pass the stock") {
        CHECK(CodeOf(given.When(AddCartItem{.user_id = 1, .product_id = 1, .option_id = 10, .quantity = 2})) ==
              DomainErrc::kOutOfStock);
      }
      AND_THEN("removing it records its removal, and removing it again records nothing") {
        auto removed = given.WhenApplied(RemoveCartItem{.user_id = 1, .option_id = 10});
        REQUIRE(removed);
        CHECK(Only<CartItemRemoved>(*removed).size() == 1);
        auto again = given.When(RemoveCartItem{.user_id = 1, .option_id = 10});
        REQUIRE(again);
        CHECK(again->empty());
      }
    }
    WHEN("an unknown user adds a line") {
      THEN("the user is not found") {
        CHECK(CodeOf(given.When(AddCartItem{.user_id = 2, .product_id = 1, .option_id = 10, .quantity = 1})) ==
              DomainErrc::kUserNotFound);
        CHECK(CodeOf(given.When(RemoveCartItem{.user_id = 2, .option_id = 10})) == DomainErrc::kUserNotFound);
      }
    }
  }
}

SCENARIO("Coupons are issued once per user, up to their quantity", "[domain][decide][coupon]") {
  GIVEN("a coupon of 2 and three users") {
    Given given{User(1), User(2), User(3), Coupon(1, DiscountType::kFixed, 1000, 2)};
    WHEN("users 1 and 2 ask") {
      auto first = given.WhenApplied(IssueCoupon{.coupon_id = 1, .user_id = 1});
      auto second = given.WhenApplied(IssueCoupon{.coupon_id = 1, .user_id = 2});
      THEN("each holds one, numbered in order, and none is left") {
        REQUIRE(first);
        REQUIRE(second);
        CHECK(Only<CouponIssued>(*first).at(0).user_coupon_id == 1);
        CHECK(Only<CouponIssued>(*second).at(0).user_coupon_id == 2);
        CHECK(Only<CouponIssued>(*second).at(0).remaining_after == 0);
      }
      AND_THEN("user 3 finds it sold out and user 1 hears it is already theirs") {
        CHECK(CodeOf(given.When(IssueCoupon{.coupon_id = 1, .user_id = 3})) == DomainErrc::kCouponSoldOut);
        CHECK(CodeOf(given.When(IssueCoupon{.coupon_id = 1, .user_id = 1})) == DomainErrc::kCouponAlreadyIssued);
      }
    }
    WHEN("an unknown coupon is asked for by an unknown user") {
      THEN("the coupon is looked up first") {
        CHECK(CodeOf(given.When(IssueCoupon{.coupon_id = 9, .user_id = 9})) == DomainErrc::kCouponNotFound);
        CHECK(CodeOf(given.When(IssueCoupon{.coupon_id = 1, .user_id = 9})) == DomainErrc::kUserNotFound);
      }
    }
  }
  GIVEN("a coupon that expired") {
    Given given{User(1), Coupon(1, DiscountType::kRate, 10, 5, kNow - 1)};
    THEN("it is not issued") {
      CHECK(CodeOf(given.When(IssueCoupon{.coupon_id = 1, .user_id = 1})) == DomainErrc::kCouponNotUsable);
    }
  }
  GIVEN("coupons already created") {
    Given given{Coupon(1, DiscountType::kFixed, 1, 1), Coupon(2, DiscountType::kFixed, 1, 1)};
    THEN("a new one takes the next id") {
      auto events = given.When(CreateCoupon{NewCoupon{"new", DiscountType::kRate, 20, 10, 0}});
      REQUIRE(events);
      CHECK(Only<CouponCreated>(*events).at(0).coupon_id == 3);
      CHECK(Only<CouponCreated>(*events).at(0).discount_type == DiscountType::kRate);
    }
  }
}

SCENARIO("Placing an order reserves stock and the coupon and empties those cart lines", "[domain][decide][order]") {
  GIVEN("a user with 10,000 points, a coupon and two options in the cart") {
    Given given{User(1),
                Charged(1, 10'000),
                Product(1, {Option(10, 1500, 5)}),
                Product(2, {Option(20, 7000, 1), Option(21, 7000, 0)}),
                Coupon(1, DiscountType::kRate, 10, 5),
                Issued(1, 1, 7, 4),
                CartItemAdded{.user_id = 1, .product_id = 1, .option_id = 10, .quantity = 1, .quantity_after = 1},
                CartItemAdded{.user_id = 1, .product_id = 2, .option_id = 21, .quantity = 1, .quantity_after = 1}};
    PlaceOrder order{.user_id = 1,
                     .items = {{.product_id = 1, .option_id = std::nullopt, .quantity = 2},
                               {.product_id = 2, .option_id = 20, .quantity = 1}},
                     .coupon_id = 1,
                     .pay = false};
    WHEN("the order is placed") {
      auto events = given.When(order);
      REQUIRE(events);
      THEN("it is priced with the coupon, stock and coupon are held, and the ordered cart line goes") {
        auto placed = Only<OrderPlaced>(*events).at(0);
        CHECK(placed.order_id == 1);
        CHECK(placed.total_amount == 10'000);
        CHECK(placed.discount_amount == 1000);
        CHECK(placed.pay_amount == 9000);
        CHECK(placed.user_coupon_id == 7);
        CHECK(placed.expires_at_ms == kNow + 5 * 60 * 1000);
        auto reserved = Only<StockReserved>(*events);
        REQUIRE(reserved.size() == 2);
        CHECK(reserved[0].stock_after == 3);
        CHECK(reserved[1].stock_after == 0);
        CHECK(Only<CouponReserved>(*events).size() == 1);
        auto removed = Only<CartItemRemoved>(*events);
        REQUIRE(removed.size() == 1);
        CHECK(removed[0].option_id == 10);
        CHECK(Only<OrderPaid>(*events).empty());
      }
    }
    WHEN("it is placed and paid in one step") {
      order.pay = true;
      auto events = given.When(order);
      REQUIRE(events);
      THEN("the points are spent and the coupon used with it") {
        CHECK(Only<PointsSpent>(*events).at(0).balance_after == 1000);
        CHECK(Only<CouponUsed>(*events).size() == 1);
        CHECK(Only<OrderPaid>(*events).at(0).payment_id == 1);
      }
    }
    WHEN("it asks for more than is left") {
      order.items[1].quantity = 2;
      THEN("nothing is reserved") { CHECK(CodeOf(given.When(order)) == DomainErrc::kOutOfStock); }
    }
    WHEN("an option is named twice") {
      order.items.push_back({.product_id = 2, .option_id = 20, .quantity = 1});
      THEN("the shape is refused, before anything is looked up") {
        CHECK(CodeOf(given.When(order)) == DomainErrc::kInvalidRequest);
        order.user_id = 99;
        CHECK(CodeOf(given.When(order)) == DomainErrc::kInvalidRequest);
      }
    }
    WHEN("a one-option product's default repeats an option named") {
      order.items.push_back({.product_id = 1, .option_id = 10, .quantity = 1});
      THEN("it is refused once the option is known") {
        CHECK(CodeOf(given.When(order)) == DomainErrc::kInvalidRequest);
      }
    }
    WHEN("the user, a product or the coupon is unknown") {
      THEN("each is not found") {
        PlaceOrder unknown_user = order;
        unknown_user.user_id = 99;
        CHECK(CodeOf(given.When(unknown_user)) == DomainErrc::kUserNotFound);
        PlaceOrder unknown_product = order;
        unknown_product.items[0].product_id = 99;
        CHECK(CodeOf(given.When(unknown_product)) == DomainErrc::kProductNotFound);
        PlaceOrder unknown_coupon = order;
        unknown_coupon.coupon_id = 99;
        CHECK(CodeOf(given.When(unknown_coupon)) == DomainErrc::kCouponNotFound);
      }
    }
    WHEN("the coupon is already held by another order") {
      REQUIRE(given.WhenApplied(PlaceOrder{.user_id = 1, .items = {{.product_id = 1, .option_id = 10, .quantity = 1}},
                                           .coupon_id = 1, .pay = false}));
      THEN("it is not usable") { CHECK(CodeOf(given.When(order)) == DomainErrc::kCouponNotUsable); }
    }
    WHEN("it is placed and paid with too few points") {
      order.coupon_id = std::nullopt;
      order.pay = true;
      given.And(PointsSpent{.user_id = 1, .order_id = 50, .amount = 1000, .balance_after = 9000});
      THEN("nothing at all is recorded") { CHECK(CodeOf(given.When(order)) == DomainErrc::kInsufficientBalance); }
    }
  }
}

SCENARIO("An order is paid once, by its owner, before it expires", "[domain][decide][order]") {
  GIVEN("an unpaid order of user 1 for 3,000") {
    Given given{User(1), User(2), Charged(1, 5000), Product(1, {Option(10, 1500, 5)})};
    REQUIRE(given.WhenApplied(
        PlaceOrder{.user_id = 1, .items = {{.product_id = 1, .option_id = 10, .quantity = 2}}, .pay = false}));
    WHEN("user 1 pays") {
      auto events = given.WhenApplied(PayOrder{.order_id = 1, .user_id = 1});
      THEN("the points are spent and the order paid") {
        REQUIRE(events);
        CHECK(Only<PointsSpent>(*events).at(0).balance_after == 2000);
        CHECK(Only<OrderPaid>(*events).at(0).pay_amount == 3000);
      }
      AND_THEN("paying again, or cancelling, is refused") {
        CHECK(CodeOf(given.When(PayOrder{.order_id = 1, .user_id = 1})) == DomainErrc::kOrderNotPayable);
        CHECK(CodeOf(given.When(CancelOrder{.order_id = 1, .user_id = 1})) == DomainErrc::kOrderNotCancellable);
      }
    }
    WHEN("someone else pays or cancels it") {
      THEN("it belongs to another user") {
        CHECK(CodeOf(given.When(PayOrder{.order_id = 1, .user_id = 2})) == DomainErrc::kForbidden);
        CHECK(CodeOf(given.When(CancelOrder{.order_id = 1, .user_id = 2})) == DomainErrc::kForbidden);
      }
    }
    WHEN("an unknown user or order is named") {
      THEN("the user is looked up before the order") {
        CHECK(CodeOf(given.When(PayOrder{.order_id = 9, .user_id = 9})) == DomainErrc::kUserNotFound);
        CHECK(CodeOf(given.When(PayOrder{.order_id = 9, .user_id = 1})) == DomainErrc::kOrderNotFound);
      }
    }
    WHEN("its deadline has passed but no expiry is recorded yet") {
      TimeMs late = kNow + 5 * 60 * 1000;
      THEN("it can be neither paid nor cancelled") {
        CHECK(CodeOf(given.When(PayOrder{.order_id = 1, .user_id = 1}, late)) == DomainErrc::kOrderNotPayable);
        CHECK(CodeOf(given.When(CancelOrder{.order_id = 1, .user_id = 1}, late)) ==
              DomainErrc::kOrderNotCancellable);
      }
    }
  }
}

SCENARIO("An order that ends unpaid gives back its stock and coupon", "[domain][decide][order]") {
  GIVEN("an unpaid order holding 2 of an option (3 left) and a coupon") {
    Given given{User(1), Product(1, {Option(10, 1500, 5)}), Coupon(1, DiscountType::kFixed, 500, 5),
                Issued(1, 1, 3, 4)};
    REQUIRE(given.WhenApplied(PlaceOrder{.user_id = 1, .items = {{.product_id = 1, .option_id = 10, .quantity = 2}},
                                         .coupon_id = 1, .pay = false}));
    WHEN("its user cancels it") {
      auto events = given.When(CancelOrder{.order_id = 1, .user_id = 1});
      THEN("the stock is released on top of what is left and the coupon returns") {
        REQUIRE(events);
        CHECK(Only<OrderCancelled>(*events).size() == 1);
        CHECK(Only<StockReleased>(*events).at(0).stock_after == 5);
        CHECK(Only<CouponReleased>(*events).at(0).user_coupon_id == 3);
      }
    }
    WHEN("its deadline comes") {
      auto before = given.When(ExpireOrder{.order_id = 1}, kNow + 5 * 60 * 1000 - 1);
      auto at = given.When(ExpireOrder{.order_id = 1}, kNow + 5 * 60 * 1000);
      THEN("it expires then, not a moment before") {
        REQUIRE(before);
        CHECK(before->empty());
        REQUIRE(at);
        CHECK(Only<OrderExpired>(*at).size() == 1);
        CHECK(Only<StockReleased>(*at).at(0).stock_after == 5);
        CHECK(Only<CouponReleased>(*at).size() == 1);
      }
    }
    WHEN("it was cancelled first") {
      REQUIRE(given.WhenApplied(CancelOrder{.order_id = 1, .user_id = 1}));
      THEN("expiry records nothing") {
        auto events = given.When(ExpireOrder{.order_id = 1}, kNow + 10 * 60 * 1000);
        REQUIRE(events);
        CHECK(events->empty());
        CHECK(given.state.DueOrders(kNow + 10 * 60 * 1000).empty());
      }
    }
  }
}

SCENARIO("Each event folds into its own stream's state and version", "[domain][aggregates]") {
  Given given{User(1), Charged(1, 100), Charged(1, 300), Product(1, {Option(10, 1, 1)})};
  CHECK(given.state.VersionOf(Charged(1, 0)) == 2);
  CHECK(given.state.VersionOf(User(1)) == 1);
  CHECK(given.state.VersionOf(User(2)) == 0);
  CHECK(given.state.FindAccount(1)->balance == 300);
  CHECK(given.state.last_ids().option == 10);
  CHECK(StreamOf(DomainEvent(Charged(1, 0))) == "account-1");
  CHECK(StreamOf(DomainEvent(CartItemRemoved{.user_id = 4, .option_id = 1})) == "cart-4");
}

SCENARIO("A token subject signs up once", "[domain][decide][account][auth]") {
  GIVEN("alice's subject bound to user 1") {
    Subject alice{"https://id.example", "alice"};
    Given given{UserRegistered{.user_id = 1, .name = "alice", .issuer = alice.issuer, .subject = alice.subject}};
    WHEN("the same subject signs up again") {
      auto events = given.When(RegisterUser{"alice again", alice});
      THEN("nothing is recorded") {
        REQUIRE(events);
        CHECK(events->empty());
      }
    }
    WHEN("the same subject of another issuer signs up") {
      auto events = given.When(RegisterUser{"other alice", Subject{"https://other.example", "alice"}});
      THEN("it is a new user bound to that issuer's subject") {
        REQUIRE(events);
        auto registered = Only<UserRegistered>(*events).at(0);
        CHECK(registered.user_id == 2);
        CHECK(registered.issuer == "https://other.example");
        CHECK(registered.subject == "alice");
      }
    }
    WHEN("a bound subject signs up with an empty name") {
      THEN("the name is refused first") {
        CHECK(CodeOf(given.When(RegisterUser{"", alice})) == DomainErrc::kInvalidRequest);
      }
    }
  }
}

SCENARIO("A command with an actor is refused for another user, after its 400 and 404 checks", "[domain][decide][auth]") {
  Subject alice{"iss", "alice"}, bob{"iss", "bob"}, nobody{"iss", "nobody"};
  GIVEN("alice (1) and bob (2), both bound, bob with points") {
    Given given{UserRegistered{.user_id = 1, .name = "alice", .issuer = "iss", .subject = "alice"},
                UserRegistered{.user_id = 2, .name = "bob", .issuer = "iss", .subject = "bob"}, Charged(2, 9'999'999)};
    THEN("alice charges herself") { CHECK(given.When(ChargePoints{.user_id = 1, .amount = 5, .actor = alice})); }
    THEN("alice charging bob is forbidden, even where the charge itself would break a rule") {
      CHECK(CodeOf(given.When(ChargePoints{.user_id = 2, .amount = 5, .actor = alice})) == DomainErrc::kForbidden);
    }
    THEN("an unbound subject acts for nobody") {
      CHECK(CodeOf(given.When(ChargePoints{.user_id = 1, .amount = 5, .actor = nobody})) == DomainErrc::kForbidden);
    }
    THEN("an unknown user is not found, before ownership") {
      CHECK(CodeOf(given.When(ChargePoints{.user_id = 9, .amount = 5, .actor = bob})) == DomainErrc::kUserNotFound);
    }
    THEN("a bad amount is refused before ownership") {
      CHECK(CodeOf(given.When(ChargePoints{.user_id = 1, .amount = 0, .actor = bob})) == DomainErrc::kInvalidAmount);
    }
    THEN("without an actor (--auth none) v1's rules stand") {
      CHECK(given.When(ChargePoints{.user_id = 2, .amount = 1}));
    }
  }
}
