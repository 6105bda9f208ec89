#include "domain/account.h"

#include <catch2/catch.hpp>
#include <limits>

#include "domain/errors.h"
#include "domain/time_format.h"

using namespace eventmart;

SCENARIO("Charging adds to the balance up to the limit", "[domain][account]") {
  GIVEN("an account holding 9,000,000") {
    AccountState account{.balance = 9'000'000};
    WHEN("1,000,000 is charged") {
      auto event = DecideCharge(account, 7, 1'000'000, kDefaultMaxBalance);
      THEN("the balance reaches exactly the limit") {
        REQUIRE(event);
        CHECK(event->balance_after == 10'000'000);
        CHECK(event->amount == 1'000'000);
        Evolve(account, *event);
        CHECK(account.balance == 10'000'000);
      }
    }
    WHEN("1,000,001 is charged") {
      auto event = DecideCharge(account, 7, 1'000'001, kDefaultMaxBalance);
      THEN("it is rejected and nothing changes") {
        REQUIRE_FALSE(event);
        CHECK(event.error().code == DomainErrc::kBalanceLimitExceeded);
        CHECK(account.balance == 9'000'000);
      }
    }
    WHEN("the largest int64 is charged") {
      auto event = DecideCharge(account, 7, std::numeric_limits<Money>::max(), kDefaultMaxBalance);
      THEN("it is rejected without overflowing") {
        REQUIRE_FALSE(event);
        CHECK(event.error().code == DomainErrc::kBalanceLimitExceeded);
      }
    }
  }
  GIVEN("any account") {
    AccountState account;
    THEN("amounts below 1 are invalid") {
      CHECK(DecideCharge(account, 1, 0, kDefaultMaxBalance).error().code == DomainErrc::kInvalidAmount);
      CHECK(DecideCharge(account, 1, -5, kDefaultMaxBalance).error().code == DomainErrc::kInvalidAmount);
    }
  }
}

SCENARIO("Registering a user needs a sensible name", "[domain][user]") {
  CHECK(DecideRegisterUser(3, "kim")->user_id == 3);
  CHECK(DecideRegisterUser(3, "").error().code == DomainErrc::kInvalidRequest);
  CHECK(DecideRegisterUser(3, std::string(kMaxNameLength + 1, 'x')).error().code == DomainErrc::kInvalidRequest);
  CHECK(DecideRegisterUser(3, std::string(kMaxNameLength, 'x')));
}

TEST_CASE("Events name their streams", "[domain][events]") {
  CHECK(StreamOf(UserRegistered{.user_id = 42, .name = "kim"}) == "user-42");
  CHECK(StreamOf(PointsCharged{.user_id = 42}) == "account-42");
  CHECK(CategoryOf("account-42") == "account");
}

TEST_CASE("Times format and parse as RFC 3339 UTC", "[domain][time]") {
  CHECK(FormatTime(0) == "1970-01-01T00:00:00.000Z");
  auto t = ParseTime("2026-11-20T09:15:00.123Z");
  REQUIRE(t);
  CHECK(FormatTime(*t) == "2026-11-20T09:15:00.123Z");
  CHECK(ParseTime("2026-11-20T18:15:00+09:00") == ParseTime("2026-11-20T09:15:00Z"));
  CHECK_FALSE(ParseTime("2026-13-20T09:15:00Z"));
  CHECK_FALSE(ParseTime("yesterday"));
  CHECK_FALSE(ParseTime("2026-11-20T09:15:00"));
}
