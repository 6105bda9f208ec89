// Rate limits over real HTTP, with 64 real concurrent clients. The server's
// clock stands still (a ManualClock), so "the window" is exact: no token
// comes back while a storm runs unless the test moves the clock.
#include <catch2/catch.hpp>
#include <atomic>
#include <mutex>
#include <thread>

#include "tests/support/api_helpers.h"
#include "tests/support/server_fixture.h"
#include "tests/support/storm.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

constexpr TimeMs kStart = 1'800'000'000'000;

std::string ChargePath(std::int64_t user) { return "/api/v1/points/" + Id(user) + "/charge"; }

// What a storm of requests was answered.
struct Answers {
  std::atomic<int> admitted{0};  // anything but 429
  std::atomic<int> limited{0};   // 429 RATE_LIMITED with every header the contract names
  std::atomic<int> other{0};     // a 429 without its headers or code
  std::mutex mu;
  Response last_limited;
};

void Count(Answers& answers, const Response& r) {
  if (r.status != 429) {
    ++answers.admitted;
    return;
  }
  bool complete = r.json().value("code", "") == "RATE_LIMITED" && r.headers.count("retry-after") == 1 &&
                  r.headers.count("ratelimit-policy") == 1 && r.headers.count("ratelimit") == 1;
  ++(complete ? answers.limited : answers.other);
  std::lock_guard lock(answers.mu);
  answers.last_limited = r;
}

// `clients` clients, each sending `each` requests with `send(client, i)`, all released at once.
template <class Send>
void Storm(TestServer& server, int clients, int each, Answers& answers, Send send) {
  Race(server, clients, [&](HttpClient& c, int i) {
    for (int k = 0; k < each; ++k) Count(answers, send(c, i));
  });
}

}  // namespace

TEST_CASE("A per-user limit admits exactly its burst to 64 concurrent clients and refills with time",
          "[api][ratelimit]") {
  ManualClock clock(kStart);
  ServerConfig config{.clock = &clock};
  config.rate_limits.per_user = {{.route_class = RouteClass::kCommands, .per_second = 50, .burst = 50}};
  TestServer server(TempDir("http-ratelimit-user"), config);
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");  // names no user: the per-user limit does not count it
  auto lee = CreateUser(c, "lee");
  auto head = server.store().LastPosition();

  // When 64 clients charge kim's points 4 times each, all at once
  Answers answers;
  Storm(server, 64, 4, answers, [&](HttpClient& client, int) {
    return client.Post(ChargePath(kim), R"({"amount":1})");
  });

  // Then exactly 50 are admitted, the other 206 are refused with the contract's headers
  CHECK(answers.admitted == 50);
  CHECK(answers.limited == 206);
  CHECK(answers.other == 0);
  CHECK(answers.last_limited.headers["retry-after"] == "1");
  CHECK(answers.last_limited.headers["ratelimit-policy"] == R"("commands-per-user";q=50;w=1)");
  CHECK(answers.last_limited.headers["ratelimit"] == R"("commands-per-user";r=0;t=1)");
  // and a refused request recorded nothing: 50 charges, 50 events
  CHECK(server.store().LastPosition() == head + 50);
  CHECK(c.Get("/api/v1/points/" + Id(kim)).json()["balance"] == 50);

  // Another user has a bucket of their own
  auto theirs = c.Post(ChargePath(lee), R"({"amount":1})");
  CHECK(theirs.status == 200);
  CHECK(theirs.headers["ratelimit"] == R"("commands-per-user";r=49;t=1)");
  // Queries and admin routes are not limited by a commands limit
  CHECK(c.Get("/api/v1/points/" + Id(kim)).status == 200);
  CHECK(c.Post("/api/v1/admin/products", R"({"name":"Mug","options":[{"name":"Red","price":100,"stock":1}]})",
               {kAdmin}).status == 201);

  SECTION("a tenth of the window gives back a tenth of the burst") {
    clock.Advance(100);
    Answers later;
    Storm(server, 64, 1, later, [&](HttpClient& client, int) {
      return client.Post(ChargePath(kim), R"({"amount":1})");
    });
    CHECK(later.admitted == 5);
    CHECK(later.limited == 59);
  }
  SECTION("after the window the whole burst is back") {
    clock.Advance(1000);
    Answers again;
    Storm(server, 64, 4, again, [&](HttpClient& client, int) {
      return client.Post(ChargePath(kim), R"({"amount":1})");
    });
    CHECK(again.admitted == 50);
    CHECK(again.limited == 206);
    CHECK(c.Get("/api/v1/points/" + Id(kim)).json()["balance"] == 100);
  }
  // Every refusal is counted in /metrics
  auto metrics = c.Get("/metrics").body;
  CHECK(metrics.find("eventmart_rate_limited_total{class=\"commands\",scope=\"user\"} ") != std::string::npos);
  CHECK(metrics.find("eventmart_rate_limited_total{class=\"commands\",scope=\"user\"} 0") == std::string::npos);
}

TEST_CASE("The user a request counts against is the one it names, in its path, query or body", "[api][ratelimit]") {
  ManualClock clock(kStart);
  ServerConfig config{.clock = &clock};
  config.rate_limits.per_user = {{.route_class = RouteClass::kCouponIssue, .per_second = 1, .burst = 2},
                                 {.route_class = RouteClass::kQueries, .per_second = 1, .burst = 2}};
  TestServer server(TempDir("http-ratelimit-keys"), config);
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");
  auto lee = CreateUser(c, "lee");
  auto coupon = CreateCouponAs(c, R"({"name":"F","discountType":"FIXED","discountValue":1,"totalQuantity":10})");
  std::string issue = "/api/v1/coupons/" + Id(coupon["couponId"]) + "/issue";

  // The body's userId: kim's two requests are admitted (one issued, one already issued), the third refused
  CHECK(c.Post(issue, UserBody(kim)).status == 201);
  CheckError(c.Post(issue, UserBody(kim)), 409, "COUPON_ALREADY_ISSUED");
  CheckError(c.Post(issue, UserBody(kim)), 429, "RATE_LIMITED");
  CHECK(c.Post(issue, UserBody(lee)).status == 201);
  // The query's userId
  CHECK(c.Get("/api/v1/coupons?userId=" + Id(kim)).status == 200);
  CHECK(c.Get("/api/v1/coupons?userId=" + Id(kim)).status == 200);
  CheckError(c.Get("/api/v1/coupons?userId=" + Id(kim)), 429, "RATE_LIMITED");
  CHECK(c.Get("/api/v1/coupons?userId=" + Id(lee)).status == 200);
  // The path's user id: kim's queries share one bucket, whatever the route
  CheckError(c.Get("/api/v1/points/" + Id(kim)), 429, "RATE_LIMITED");
  CHECK(c.Get("/api/v1/users/" + Id(lee) + "/cart").status == 200);
  // A request that names no user is not limited per user
  for (int i = 0; i < 5; ++i) CHECK(c.Get("/api/v1/products").status == 200);
  // Operations routes never are
  CHECK(c.Get("/healthz").status == 200);
}

TEST_CASE("A per-IP limit counts every request from one address, and each address apart", "[api][ratelimit]") {
  ManualClock clock(kStart);
  ServerConfig config{.clock = &clock};
  config.rate_limits.per_ip = {{.route_class = RouteClass::kQueries, .per_second = 10, .burst = 20}};
  TestServer server(TempDir("http-ratelimit-ip"), config);

  // When 64 clients from 127.0.0.1 read the products twice each, all at once
  Answers answers;
  Storm(server, 64, 2, answers, [&](HttpClient& client, int) { return client.Get("/api/v1/products"); });

  // Then exactly 20 are answered and 108 refused, naming the per-IP policy
  CHECK(answers.admitted == 20);
  CHECK(answers.limited == 108);
  CHECK(answers.last_limited.headers["ratelimit-policy"] == R"("queries-per-ip";q=20;w=2)");
  CHECK(answers.last_limited.headers["retry-after"] == "1");

  // Another address has its own bucket
  HttpClient other("127.0.0.1", server.port());
  other.SetSource("127.0.0.2");
  auto r = other.Get("/api/v1/products");
  CHECK(r.status == 200);
  CHECK(r.headers["ratelimit"] == R"("queries-per-ip";r=19;t=1)");
  auto metrics = other.Get("/metrics").body;
  CHECK(metrics.find("eventmart_rate_limited_total{class=\"queries\",scope=\"ip\"} 108") != std::string::npos);
}

TEST_CASE("A request refused per user gives its IP request back", "[api][ratelimit]") {
  ManualClock clock(kStart);
  ServerConfig config{.clock = &clock};
  config.rate_limits.per_user = {{.route_class = RouteClass::kCommands, .per_second = 1, .burst = 1}};
  config.rate_limits.per_ip = {{.route_class = RouteClass::kCommands, .per_second = 1, .burst = 3}};
  TestServer server(TempDir("http-ratelimit-both"), config);
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");  // 1 of the IP's 3
  auto charged = c.Post(ChargePath(kim), R"({"amount":1})");  // 2 of 3, kim's only one
  CHECK(charged.status == 200);
  CHECK(charged.headers["ratelimit-policy"] == R"("commands-per-ip";q=3;w=3, "commands-per-user";q=1;w=1)");
  CheckError(c.Post(ChargePath(kim), R"({"amount":1})"), 429, "RATE_LIMITED");  // kim's limit: IP's given back
  CheckError(c.Post(ChargePath(kim), R"({"amount":1})"), 429, "RATE_LIMITED");
  CHECK(c.Post("/api/v1/users", R"({"name":"lee"})").status == 201);  // 3 of 3
  CheckError(c.Post("/api/v1/users", R"({"name":"park"})"), 429, "RATE_LIMITED");
}

TEST_CASE("Without a rate limit flag nothing is limited and no rate limit fields are sent", "[api][ratelimit]") {
  TestServer server(TempDir("http-ratelimit-none"));
  auto c = server.Client();
  for (int i = 0; i < 300; ++i) {
    auto r = c.Get("/api/v1/products");
    REQUIRE(r.status == 200);
    REQUIRE(r.headers.count("ratelimit") == 0);
  }
}

TEST_CASE("Idle keys are dropped, and a table full of active keys refuses newcomers", "[api][ratelimit]") {
  SECTION("keys whose bucket is full again are forgotten as new ones come") {
    TokenBuckets buckets({.route_class = RouteClass::kQueries, .per_second = 10, .burst = 10});
    for (int i = 0; i < 5000; ++i) REQUIRE(buckets.Take("old" + std::to_string(i), kStart).allowed);
    CHECK(buckets.keys() == 5000);
    // Two seconds later every old bucket is full: 40,000 newcomers sweep them away
    for (int i = 0; i < 40000; ++i) REQUIRE(buckets.Take("new" + std::to_string(i), kStart + 2000).allowed);
    CHECK(buckets.keys() == 40000);
    // and a forgotten key starts with a full bucket, as it would have had anyway
    auto taken = buckets.Take("old1", kStart + 2000);
    CHECK(taken.allowed);
    CHECK(taken.remaining == 9);
  }
  SECTION("a full table refuses keys it has no room for, until some go idle") {
    TokenBuckets buckets({.route_class = RouteClass::kQueries, .per_second = 1, .burst = 1}, /*max_keys=*/128);
    int allowed = 0;
    for (int i = 0; i < 1000; ++i) allowed += buckets.Take("k" + std::to_string(i), kStart).allowed;
    CHECK(allowed <= 128);
    CHECK(allowed >= 64);
    CHECK(buckets.keys() == static_cast<std::size_t>(allowed));
    CHECK(buckets.Take("k0", kStart).allowed == false);  // a known key is still limited
    CHECK(buckets.Take("later", kStart + 2000).allowed);
    CHECK(buckets.keys() <= 128);
  }
}
