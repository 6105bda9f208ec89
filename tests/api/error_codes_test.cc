// One meaning per error code (contract v2), checked without a server.
#include "api/json_io.h"

#include <catch2/catch.hpp>

#include "api/api_errors.h"
#include "commands/command_errors.h"
#include "domain/errors.h"
#include "projections/read_model_errors.h"

using namespace eventmart;

namespace {

std::pair<int, std::string> StatusAndCode(const Error& error) {
  auto r = ErrorResponse(error);
  return {r.status, Json::parse(r.body)["code"].get<std::string>()};
}

}  // namespace

SCENARIO("Each error reaches the client as its one status and code", "[api][errors]") {
  GIVEN("a request whose body is not JSON, or misses a field") {
    auto not_json = ParseObject("{nope");
    auto missing = RequireId(Json::object(), "userId");
    THEN("the parser's error is its own (ApiErrc), answered 400 INVALID_REQUEST") {
      REQUIRE_FALSE(not_json);
      CHECK(not_json.error().code == ApiErrc::kInvalidRequest);
      CHECK(StatusAndCode(not_json.error()) == std::pair<int, std::string>{400, "INVALID_REQUEST"});
      REQUIRE_FALSE(missing);
      CHECK(missing.error().code == ApiErrc::kInvalidRequest);
    }
    THEN("the domain's own kInvalidRequest still answers the same") {
      CHECK(StatusAndCode(Error{DomainErrc::kInvalidRequest, "x"}) == std::pair<int, std::string>{400, "INVALID_REQUEST"});
    }
  }
  GIVEN("a command the event log refused to append") {
    THEN("it is 503 STORE_UNAVAILABLE, not NOT_READY") {
      CHECK(StatusAndCode(Error{CommandErrc::kStoreUnavailable, "io"}) ==
            std::pair<int, std::string>{503, "STORE_UNAVAILABLE"});
    }
  }
  GIVEN("a read-model failure") {
    auto r = ErrorResponse(Error{ReadModelErrc::kCorruption, "orders/o\\x00: not an order record"});
    THEN("it is 500 INTERNAL, and the body says nothing internal") {
      CHECK(r.status == 500);
      auto body = Json::parse(r.body);
      CHECK(body["code"] == "INTERNAL");
      CHECK(body["message"] == "internal error");
    }
  }
  GIVEN("the idempotency codes") {
    THEN("they keep their meanings") {
      CHECK(StatusAndCode(Error{CommandErrc::kRequestInProgress, {}}) ==
            std::pair<int, std::string>{409, "REQUEST_IN_PROGRESS"});
      CHECK(StatusAndCode(Error{CommandErrc::kIdempotencyKeyReused, {}}) ==
            std::pair<int, std::string>{422, "IDEMPOTENCY_KEY_REUSED"});
      CHECK(StatusAndCode(Error{CommandErrc::kOverloaded, {}}) == std::pair<int, std::string>{503, "OVERLOADED"});
    }
  }
}
