#include "projections/coupon_projection.h"

#include <catch2/catch.hpp>

#include "projections/keys.h"
#include "tests/projections/fold_harness.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

using CouponScenario = ProjectionScenario<CouponProjection, CouponQueries>;

constexpr TimeMs kExpiresAt = 2'000'000'000'000;

CouponCreated TenOff() {
  return CouponCreated{.coupon_id = 3, .name = "10 off", .discount_type = DiscountType::kFixed, .discount_value = 10,
                       .total_quantity = 2, .expires_at_ms = kExpiresAt};
}

CouponIssued IssuedTo(UserId user, UserCouponId held, Quantity remaining_after) {
  return CouponIssued{.coupon_id = 3, .user_id = user, .user_coupon_id = held, .issued_at_ms = 1'000,
                      .remaining_after = remaining_after};
}

std::vector<UserCouponView> Held(const CouponQueries& q, UserId user, bool all, TimeMs now = 1'000) {
  auto held = q.HeldBy(user, all, now);
  REQUIRE(held);
  return *held;
}

}  // namespace

SCENARIO_METHOD(CouponScenario, "Coupons show what is left of them, and each user's coupons their status", "[projections][coupons]") {
  GIVEN("a coupon of quantity 2") {
    REQUIRE(given.Fold({TenOff()}));
    THEN("it is found whole") {
      auto coupon = Found(q.FindCoupon(3));
      CHECK(coupon->name == "10 off");
      CHECK(coupon->type == DiscountType::kFixed);
      CHECK(coupon->value == 10);
      CHECK(coupon->total_quantity == 2);
      CHECK(coupon->remaining_quantity == 2);
      CHECK(coupon->expires_at_ms == kExpiresAt);
    }
    THEN("an unknown coupon is not found (not an error)") { CHECK(q.FindCoupon(4).value() == std::nullopt); }

    WHEN("it is issued to a user") {
      REQUIRE(given.Fold({IssuedTo(7, 70, 1)}));
      THEN("one is left, and the user holds it, usable") {
        CHECK(q.FindCoupon(3).value()->remaining_quantity == 1);
        auto held = Held(q, 7, /*all=*/false);
        REQUIRE(held.size() == 1);
        CHECK(held[0].user_coupon_id == 70);
        CHECK(held[0].user_id == 7);
        CHECK(held[0].coupon.coupon_id == 3);
        CHECK(held[0].status == UserCouponStatus::kIssued);
        CHECK(held[0].issued_at_ms == 1'000);
        CHECK(Held(q, 8, true).empty());
      }

      AND_WHEN("an order reserves it") {
        REQUIRE(given.Fold({CouponReserved{.coupon_id = 3, .user_id = 7, .user_coupon_id = 70, .order_id = 5}}));
        THEN("it is no longer usable, and shows as reserved among all") {
          CHECK(Held(q, 7, false).empty());
          auto all = Held(q, 7, true);
          REQUIRE(all.size() == 1);
          CHECK(all[0].status == UserCouponStatus::kReserved);
        }
      }
      AND_WHEN("an order uses it") {
        REQUIRE(given.Fold({CouponReserved{.coupon_id = 3, .user_id = 7, .user_coupon_id = 70, .order_id = 5},
                            CouponUsed{.coupon_id = 3, .user_id = 7, .user_coupon_id = 70, .order_id = 5}}));
        THEN("it shows as used") { CHECK(Held(q, 7, true).at(0).status == UserCouponStatus::kUsed); }
      }
      AND_WHEN("a cancelled order releases it") {
        REQUIRE(given.Fold({CouponReserved{.coupon_id = 3, .user_id = 7, .user_coupon_id = 70, .order_id = 5},
                            CouponReleased{.coupon_id = 3, .user_id = 7, .user_coupon_id = 70, .order_id = 5}}));
        THEN("it is usable again") { CHECK(Held(q, 7, false).size() == 1); }
      }
      AND_WHEN("it is read after the coupon expired") {
        THEN("it shows as expired, and is not usable") {
          CHECK(Held(q, 7, false, kExpiresAt).empty());
          CHECK(Held(q, 7, true, kExpiresAt).at(0).status == UserCouponStatus::kExpired);
        }
      }
    }
  }
}

SCENARIO_METHOD(CouponScenario, "A damaged coupon record stops the fold and the query, instead of being skipped", "[projections][coupons]") {
  GIVEN("a coupon issued to a user") {
    REQUIRE(given.Fold({TenOff(), IssuedTo(7, 70, 1)}));

    WHEN("the coupon's record no longer decodes") {
      given.Damage(keys::Tagged('c', 3), "\x01");
      THEN("finding it fails, and so does listing who holds it") {
        CHECK(ErrorOf(q.FindCoupon(3)) == ReadModelErrc::kCorruption);
        CHECK(ErrorOf(q.HeldBy(7, true, 1'000)) == ReadModelErrc::kCorruption);
      }
      THEN("folding the next issue fails, naming the key") {
        CheckCorruptionNaming(given.Fold({IssuedTo(8, 80, 0)}), "coupons/c");
        AND_THEN("nothing of that batch was written") { CHECK(Held(q, 8, true).empty()); }
      }
    }
    WHEN("the user's held coupon no longer decodes") {
      given.Damage(keys::Tagged('u', 7, 70), "\x02\x03");
      THEN("a status change fails the fold, and the list fails") {
        CHECK(ErrorOf(given.Fold({CouponReserved{.coupon_id = 3, .user_id = 7, .user_coupon_id = 70, .order_id = 5}})) ==
              ReadModelErrc::kCorruption);
        CHECK(ErrorOf(q.HeldBy(7, true, 1'000)) == ReadModelErrc::kCorruption);
      }
    }
  }
  GIVEN("a coupon stored with a discount type this build does not know") {
    REQUIRE(given.Fold({TenOff()}));
    auto stored = given.Reader().Get(keys::Tagged('c', 3));
    REQUIRE(stored);
    REQUIRE(*stored);
    std::string odd = **stored;
    auto at = odd.find("FIXED");
    REQUIRE(at != std::string::npos);
    odd.replace(at, 5, "BOGUS");
    given.Damage(keys::Tagged('c', 3), odd);
    THEN("finding it fails, rather than calling it FIXED") {
      CHECK(ErrorOf(q.FindCoupon(3)) == ReadModelErrc::kCorruption);
    }
  }
}

SCENARIO_METHOD(CouponScenario, "Coupons show their issuance window, pause and products", "[projections][coupons]") {
  GIVEN("a coupon with a window, bound to two products, issued once") {
    CouponCreated created = TenOff();
    created.issue_from_ms = 5'000;
    created.issue_until_ms = 9'000;
    created.product_ids = {ProductId{4}, ProductId{7}};
    REQUIRE(given.Fold({created, IssuedTo(1, 100, 1)}));

    THEN("the coupon and the user's coupon show them") {
      auto coupon = Found(q.FindCoupon(3));
      CHECK(coupon->issue_from_ms == 5'000);
      CHECK(coupon->issue_until_ms == 9'000);
      CHECK_FALSE(coupon->paused);
      REQUIRE(coupon->product_ids.size() == 2);
      CHECK(coupon->product_ids[1] == 7);
      auto held = Held(q, 1, false);
      REQUIRE(held.size() == 1);
      CHECK(held[0].coupon.product_ids.size() == 2);
      CHECK(held[0].coupon.issue_until_ms == 9'000);
    }
    WHEN("it is paused") {
      REQUIRE(given.Fold({CouponPaused{.coupon_id = 3, .at_ms = 6'000}}));
      THEN("it shows paused, and keeps the rest") {
        auto coupon = q.FindCoupon(3).value();
        CHECK(coupon->paused);
        CHECK(coupon->remaining_quantity == 1);
        CHECK(coupon->issue_from_ms == 5'000);
        CHECK(q.List(0, 10).value().items.at(0).paused);
      }
      AND_WHEN("it is resumed") {
        REQUIRE(given.Fold({CouponResumed{.coupon_id = 3, .at_ms = 7'000}}));
        THEN("it is no longer paused") { CHECK_FALSE(q.FindCoupon(3).value()->paused); }
      }
    }
  }
  GIVEN("a coupon created without the rules") {
    REQUIRE(given.Fold({TenOff()}));
    THEN("it shows their defaults: no window, not paused, every product") {
      auto coupon = q.FindCoupon(3).value();
      CHECK(coupon->issue_from_ms == 0);
      CHECK(coupon->issue_until_ms == 0);
      CHECK_FALSE(coupon->paused);
      CHECK(coupon->product_ids.empty());
    }
  }
}
