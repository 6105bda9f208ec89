// Contract v2's limits on request bodies, over HTTP: nesting deeper than
// 32, a number literal longer than 40 characters, a string longer than
// 4,096 characters are 400 INVALID_REQUEST before anything else, and the
// command they came with is not run.
#include <catch2/catch.hpp>

#include "tests/support/api_helpers.h"
#include "tests/support/server_fixture.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

// {"amount":N,"x":<value>}: a charge with an unknown field the route ignores.
std::string ChargeWith(const std::string& value, long long amount = 5) {
  return R"({"amount":)" + std::to_string(amount) + R"(,"x":)" + value + "}";
}

// `depth` arrays, one inside the other.
std::string Nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace

TEST_CASE("A charge whose body is over a limit is refused with 400 and charges nothing", "[api][limits]") {
  TestServer server(TempDir("http-limits"));
  auto c = server.Client();
  auto user = CreateUser(c, "kim");
  std::string charge = "/api/v1/points/" + Id(user) + "/charge";
  auto balance = [&] { return c.Get("/api/v1/points/" + Id(user)).json()["balance"].get<long long>(); };

  SECTION("30,000 nested arrays inside an unknown field") {
    CheckError(c.Post(charge, ChargeWith(Nested(30'000))), 400, "INVALID_REQUEST");
    CHECK(balance() == 0);
  }
  SECTION("32 levels pass, 33 do not (the body's own object is the first)") {
    CHECK(c.Post(charge, ChargeWith(Nested(31))).status == 200);
    CheckError(c.Post(charge, ChargeWith(Nested(32))), 400, "INVALID_REQUEST");
    CHECK(balance() == 5);
  }
  SECTION("a 40-character number passes, 41 characters do not") {
    std::string forty = "1" + std::string(39, '0');
    CHECK(c.Post(charge, ChargeWith(forty)).status == 200);
    CheckError(c.Post(charge, ChargeWith(forty + "0")), 400, "INVALID_REQUEST");
    CheckError(c.Post(charge, ChargeWith("-0." + std::string(38, '1'))), 400, "INVALID_REQUEST");
    CHECK(balance() == 5);
  }
  SECTION("a 4,096-character string passes, 4,097 characters do not (counted as characters, not bytes)") {
    CHECK(c.Post(charge, ChargeWith('"' + std::string(4096, 'a') + '"')).status == 200);
    CheckError(c.Post(charge, ChargeWith('"' + std::string(4097, 'a') + '"')), 400, "INVALID_REQUEST");
    std::string korean;
    for (int i = 0; i < 4096; ++i) korean += "\xed\x95\x9c";  // 한: 3 bytes, one character
    CHECK(c.Post(charge, ChargeWith('"' + korean + '"')).status == 200);
    CheckError(c.Post(charge, ChargeWith('"' + korean + "\\u00e9\"")), 400, "INVALID_REQUEST");
    CheckError(c.Post(charge, R"({"amount":5,")" + std::string(4097, 'k') + R"(":1})"), 400, "INVALID_REQUEST");
    CHECK(balance() == 10);
  }
  SECTION("brackets and digits inside strings are not nesting or numbers") {
    CHECK(c.Post(charge, ChargeWith('"' + std::string(100, '[') + std::string(60, '7') + '"')).status == 200);
    CHECK(balance() == 5);
  }
}
