// The coupon waiting room's decisions, as given/when/then.
#include <catch2/catch.hpp>

#include "domain/errors.h"
#include "tests/domain/given.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

CouponRequested Requested(CouponRequestId id, CouponId coupon, UserId user) {
  return {.request_id = id, .coupon_id = coupon, .user_id = user, .requested_at_ms = kNow - 10};
}

}  // namespace

TEST_CASE("A waiting-room request is recorded with the next request id", "[domain][waitingroom]") {
  Given given{User(1), User(2), Coupon(7, DiscountType::kFixed, 1000, 1), Requested(1, 7, 2)};
  auto events = given.When(RequestCoupon{.coupon_id = 7, .user_id = 1});
  REQUIRE(events);
  auto requested = Only<CouponRequested>(*events);
  REQUIRE(requested.size() == 1);
  CHECK(requested[0].request_id == 2);
  CHECK(requested[0].coupon_id == 7);
  CHECK(requested[0].user_id == 1);
  CHECK(requested[0].requested_at_ms == kNow);
  CHECK(events->size() == 1);  // nothing is issued yet
}

TEST_CASE("A request for a coupon or user that does not exist is refused at once", "[domain][waitingroom]") {
  Given given{User(1), Coupon(7, DiscountType::kFixed, 1000, 1)};
  CHECK(given.When(RequestCoupon{.coupon_id = 8, .user_id = 1}).error().code == DomainErrc::kCouponNotFound);
  CHECK(given.When(RequestCoupon{.coupon_id = 7, .user_id = 9}).error().code == DomainErrc::kUserNotFound);
}

TEST_CASE("Pending requests are decided by the synchronous rules", "[domain][waitingroom]") {
  Given given{User(1), User(2), User(3), Coupon(7, DiscountType::kFixed, 1000, 1), Requested(1, 7, 1),
              Requested(2, 7, 2)};
  CHECK(given.state.PendingCouponRequests() == std::vector<CouponRequestId>{1, 2});

  // When the first is decided, it is issued: the coupon and the decision, in one append
  auto first = given.WhenApplied(DecideCouponRequest{.request_id = 1});
  REQUIRE(first);
  REQUIRE(first->size() == 2);
  auto issued = std::get<CouponIssued>(first->at(0));
  auto decided = std::get<CouponRequestDecided>(first->at(1));
  CHECK(issued.user_id == 1);
  CHECK(decided.status == CouponRequestStatus::kIssued);
  CHECK(decided.user_coupon_id == issued.user_coupon_id);
  CHECK(decided.code.empty());
  CHECK(given.state.PendingCouponRequests() == std::vector<CouponRequestId>{2});

  // Then the second finds it sold out, and says so with the synchronous route's code
  auto second = given.WhenApplied(DecideCouponRequest{.request_id = 2});
  REQUIRE(second);
  REQUIRE(second->size() == 1);
  auto rejected = std::get<CouponRequestDecided>(second->at(0));
  CHECK(rejected.status == CouponRequestStatus::kRejected);
  CHECK(rejected.code == "COUPON_SOLD_OUT");
  CHECK(rejected.user_coupon_id == 0);
  CHECK(given.state.PendingCouponRequests().empty());

  // A decided request is not decided again
  auto again = given.When(DecideCouponRequest{.request_id = 1});
  REQUIRE(again);
  CHECK(again->empty());
}

TEST_CASE("A holder asking again through the waiting room learns they hold it", "[domain][waitingroom]") {
  Given given{User(1), Coupon(7, DiscountType::kFixed, 1000, 5), Issued(7, 1, 1, 4), Requested(1, 7, 1)};
  auto decided = given.When(DecideCouponRequest{.request_id = 1});
  REQUIRE(decided);
  REQUIRE(decided->size() == 1);
  CHECK(std::get<CouponRequestDecided>(decided->at(0)).code == "COUPON_ALREADY_ISSUED");
}
