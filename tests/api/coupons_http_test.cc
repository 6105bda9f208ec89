// First-come-first-served coupons over real HTTP, with real concurrent clients.
#include <catch2/catch.hpp>
#include <atomic>
#include <condition_variable>
#include <thread>

#include "domain/time_format.h"
#include "tests/support/api_helpers.h"
#include "tests/support/server_fixture.h"
#include "tests/support/start_line.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

std::string IssuePath(const nlohmann::json& coupon) { return "/api/v1/coupons/" + Id(coupon["couponId"]) + "/issue"; }

}  // namespace

TEST_CASE("Coupons are created, issued, read and listed as the contract says", "[api][coupons]") {
  TestServer server(TempDir("http-coupons"));
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");
  auto fixed = CreateCouponAs(c, R"({"name":"5000 off","discountType":"FIXED","discountValue":5000,"totalQuantity":2})");
  CHECK(fixed["remainingQuantity"] == 2);
  CHECK(fixed["expiresAt"].is_null());
  auto rate = CreateCouponAs(c, R"({"name":"10%","discountType":"RATE","discountValue":10,"totalQuantity":5,"expiresAt":"2099-01-01T00:00:00Z"})");
  CHECK(rate["expiresAt"] == "2099-01-01T00:00:00.000Z");

  auto issued = c.Post(IssuePath(fixed), UserBody(kim));
  REQUIRE(issued.status == 201);
  auto held = issued.json();
  CHECK(held["status"] == "ISSUED");
  CHECK(held["couponId"] == fixed["couponId"]);
  CHECK(held["userId"] == kim);
  CHECK(held["discountType"] == "FIXED");
  CHECK(held["userCouponId"].is_number_integer());
  CHECK(held["issuedAt"].get<std::string>().ends_with("Z"));
  CheckError(c.Post(IssuePath(fixed), UserBody(kim)), 409, "COUPON_ALREADY_ISSUED");
  CHECK(c.Get("/api/v1/coupons/" + Id(fixed["couponId"])).json()["remainingQuantity"] == 1);

  auto lee = CreateUser(c, "lee");
  auto park = CreateUser(c, "park");
  REQUIRE(c.Post(IssuePath(fixed), UserBody(lee)).status == 201);
  CheckError(c.Post(IssuePath(fixed), UserBody(park)), 409, "COUPON_SOLD_OUT");
  CheckError(c.Post(IssuePath(fixed), UserBody(kim)), 409, "COUPON_ALREADY_ISSUED");  // checked first

  auto mine = c.Get("/api/v1/coupons?userId=" + Id(kim));
  REQUIRE(mine.status == 200);
  REQUIRE(mine.json()["items"].size() == 1);
  CHECK(mine.json()["items"][0] == held);
  CHECK(c.Get("/api/v1/coupons?userId=" + Id(park)).json()["items"].empty());
  CheckError(c.Get("/api/v1/coupons?userId=999"), 404, "USER_NOT_FOUND");
  CheckError(c.Get("/api/v1/coupons"), 400, "INVALID_REQUEST");
  CheckError(c.Get("/api/v1/coupons?userId=" + Id(kim) + "&status=USED"), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/coupons/999/issue", UserBody(kim)), 404, "COUPON_NOT_FOUND");
  CheckError(c.Post(IssuePath(rate), UserBody(999)), 404, "USER_NOT_FOUND");
  CheckError(c.Get("/api/v1/coupons/999"), 404, "COUPON_NOT_FOUND");
}

TEST_CASE("An expired coupon cannot be issued and shows as EXPIRED", "[api][coupons]") {
  TestServer server(TempDir("http-coupon-expiry"));
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");
  auto past = CreateCouponAs(c, R"({"name":"old","discountType":"RATE","discountValue":5,"totalQuantity":5,"expiresAt":"2001-01-01T00:00:00Z"})");
  CheckError(c.Post(IssuePath(past), UserBody(kim)), 409, "COUPON_NOT_USABLE");
  // One that expires a moment after it is issued.
  std::string soon = eventmart::FormatTime(std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch()).count() + 400);
  auto brief = CreateCouponAs(c, R"({"name":"brief","discountType":"FIXED","discountValue":100,"totalQuantity":5,"expiresAt":")" + soon + R"("})");
  REQUIRE(c.Post(IssuePath(brief), UserBody(kim)).status == 201);
  CHECK(c.Get("/api/v1/coupons?userId=" + Id(kim)).json()["items"].size() == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(c.Get("/api/v1/coupons?userId=" + Id(kim)).json()["items"].empty());
  auto all = c.Get("/api/v1/coupons?userId=" + Id(kim) + "&status=ALL").json()["items"];
  REQUIRE(all.size() == 1);
  CHECK(all[0]["status"] == "EXPIRED");
}

TEST_CASE("Coupon fields are validated before anything is written", "[api][coupons][validation]") {
  TestServer server(TempDir("http-coupon-validation"));
  auto c = server.Client();
  auto post = [&](const std::string& body) { return c.Post("/api/v1/admin/coupons", body, {kAdmin}); };
  CheckError(post(R"({"name":"c","discountType":"FIXED","discountValue":0,"totalQuantity":1})"), 400, "INVALID_AMOUNT");
  CheckError(post(R"({"name":"c","discountType":"FIXED","discountValue":-10,"totalQuantity":1})"), 400, "INVALID_AMOUNT");
  CheckError(post(R"({"name":"c","discountType":"RATE","discountValue":0,"totalQuantity":1})"), 400, "INVALID_REQUEST");
  CheckError(post(R"({"name":"c","discountType":"RATE","discountValue":101,"totalQuantity":1})"), 400, "INVALID_REQUEST");
  CheckError(post(R"({"name":"c","discountType":"PERCENT","discountValue":10,"totalQuantity":1})"), 400, "INVALID_REQUEST");
  CheckError(post(R"({"name":"c","discountType":"FIXED","discountValue":10,"totalQuantity":0})"), 400, "INVALID_REQUEST");
  CheckError(post(R"({"name":"c","discountType":"FIXED","discountValue":10,"totalQuantity":"5"})"), 400, "INVALID_REQUEST");
  CheckError(post(R"({"name":"c","discountType":"FIXED","discountValue":10,"totalQuantity":5,"expiresAt":"tomorrow"})"), 400, "INVALID_REQUEST");
  CheckError(post(R"({"name":"c","discountType":"FIXED","discountValue":10,"totalQuantity":5,"expiresAt":12})"), 400, "INVALID_REQUEST");
  CheckError(post(R"({"discountType":"FIXED","discountValue":10,"totalQuantity":5})"), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/coupons/1/issue", R"({"userId":"1"})"), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/coupons/1/issue", R"({"userId":99999999999999999999})"), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/coupons/1/issue", R"({"userId":0})"), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/coupons/x/issue", R"({"userId":1})"), 400, "INVALID_REQUEST");
  CHECK(server.store().LastPosition() == 0);
}

TEST_CASE("1,000 users racing for 100 coupons: exactly 100 win", "[api][coupons][concurrency]") {
  TestServer server(TempDir("http-coupon-storm"));
  auto setup = server.Client();
  constexpr int kUsers = 1000;
  auto users = CreateUsers(setup, kUsers);
  auto coupon = CreateCouponAs(setup, R"({"name":"hot","discountType":"FIXED","discountValue":1000,"totalQuantity":100})");

  constexpr int kThreads = 250;  // 4 users each, each on its own connection
  std::atomic<int> created{0}, sold_out{0}, other{0};
  std::vector<std::int64_t> winners[kThreads];
  StartLine start;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient c("127.0.0.1", server.port());
      REQUIRE(c.Get("/healthz").status == 200);  // connected before the race
      start.Wait();
      for (int i = t; i < kUsers; i += kThreads) {
        auto r = c.Post(IssuePath(coupon), UserBody(users[i]));
        if (r.status == 201) {
          ++created;
          winners[t].push_back(users[i]);
        } else if (r.status == 409 && r.json()["code"] == "COUPON_SOLD_OUT") {
          ++sold_out;
        } else {
          ++other;
        }
      }
    });
  }
  start.Go();
  for (auto& t : threads) t.join();
  CHECK(created == 100);
  CHECK(sold_out == 900);
  CHECK(other == 0);
  CHECK(setup.Get("/api/v1/coupons/" + Id(coupon["couponId"])).json()["remainingQuantity"] == 0);

  // The owned-coupon lists agree with the answers.
  std::set<std::int64_t> winner_set;
  for (auto& w : winners) winner_set.insert(w.begin(), w.end());
  int owned = 0;
  for (auto user : users) {
    auto items = setup.Get("/api/v1/coupons?userId=" + Id(user)).json()["items"];
    owned += static_cast<int>(items.size());
    CHECK(items.size() == (winner_set.contains(user) ? 1u : 0u));
  }
  CHECK(owned == 100);
}

TEST_CASE("One user asking 40 times at once gets exactly one coupon", "[api][coupons][concurrency]") {
  TestServer server(TempDir("http-coupon-same-user"));
  auto setup = server.Client();
  auto kim = CreateUser(setup, "kim");
  auto coupon = CreateCouponAs(setup, R"({"name":"hot","discountType":"RATE","discountValue":20,"totalQuantity":10})");
  std::atomic<int> created{0}, already{0}, other{0};
  StartLine start;
  std::vector<std::thread> threads;
  for (int t = 0; t < 40; ++t) {
    threads.emplace_back([&] {
      HttpClient c("127.0.0.1", server.port());
      REQUIRE(c.Get("/healthz").status == 200);
      start.Wait();
      auto r = c.Post(IssuePath(coupon), UserBody(kim));
      if (r.status == 201) ++created;
      else if (r.status == 409 && r.json()["code"] == "COUPON_ALREADY_ISSUED") ++already;
      else ++other;
    });
  }
  start.Go();
  for (auto& t : threads) t.join();
  CHECK(created == 1);
  CHECK(already == 39);
  CHECK(other == 0);
  CHECK(setup.Get("/api/v1/coupons?userId=" + Id(kim) + "&status=ALL").json()["items"].size() == 1);
  CHECK(setup.Get("/api/v1/coupons/" + Id(coupon["couponId"])).json()["remainingQuantity"] == 9);
}
