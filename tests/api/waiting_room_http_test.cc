// The coupon waiting room (Prefer: respond-async) over real HTTP.
#include <catch2/catch.hpp>
#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "tests/support/api_helpers.h"
#include "tests/support/server_fixture.h"
#include "tests/support/storm.h"

using namespace eventmart;
using namespace eventmart::testing;

namespace {

const std::string kAsync = "Prefer: respond-async";

std::string IssuePath(const nlohmann::json& coupon) { return "/api/v1/coupons/" + Id(coupon["couponId"]) + "/issue"; }

// Polls a request until it is decided (at most 30 s); its last answer.
nlohmann::json Decided(HttpClient& c, std::int64_t request_id) {
  auto give_up = Now() + std::chrono::seconds(30);
  for (;;) {
    auto r = c.Get("/api/v1/coupon-requests/" + std::to_string(request_id));
    REQUIRE(r.status == 200);
    auto body = r.json();
    if (body["status"] != "PENDING" || Now() > give_up) return body;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void CheckVerifyPasses(const std::string& dir) {
  auto verify = Run({EVENTMART_BIN, "verify", "--data-dir", dir});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  CHECK(verify.out.find(" 0 violations") != std::string::npos);
}

}  // namespace

TEST_CASE("A waiting-room request is answered 202 with its location, then decided", "[api][waitingroom]") {
  TestServer server(TempDir("http-waiting-room"));
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");
  auto lee = CreateUser(c, "lee");
  auto coupon = CreateCouponAs(c, R"({"name":"one","discountType":"FIXED","discountValue":500,"totalQuantity":1})");

  // When kim asks through the waiting room
  auto accepted = c.Post(IssuePath(coupon), UserBody(kim), {kAsync});
  INFO(accepted.body);
  REQUIRE(accepted.status == 202);
  auto request_id = accepted.json()["requestId"].get<std::int64_t>();
  CHECK(accepted.json()["status"] == "PENDING");
  CHECK(accepted.json().size() == 2);
  CHECK(accepted.headers["location"] == "/api/v1/coupon-requests/" + std::to_string(request_id));
  CHECK(accepted.headers["preference-applied"] == "respond-async");

  // Then the request reads ISSUED with the coupon kim now holds, the same one the held list shows
  auto decided = Decided(c, request_id);
  CHECK(decided["status"] == "ISSUED");
  CHECK(decided["requestId"] == request_id);
  CHECK(decided["couponId"] == coupon["couponId"]);
  CHECK(decided["userId"] == kim);
  CHECK(!decided.contains("code"));
  auto held = c.Get("/api/v1/coupons?userId=" + Id(kim)).json()["items"];
  REQUIRE(held.size() == 1);
  CHECK(decided["userCoupon"] == held[0]);

  // Asking again, kim learns they hold it; lee finds it sold out: the synchronous route's codes
  auto again = Decided(c, c.Post(IssuePath(coupon), UserBody(kim), {kAsync}).json()["requestId"]);
  CHECK(again["status"] == "REJECTED");
  CHECK(again["code"] == "COUPON_ALREADY_ISSUED");
  CHECK(!again.contains("userCoupon"));
  CHECK(Decided(c, c.Post(IssuePath(coupon), UserBody(lee), {kAsync}).json()["requestId"])["code"] ==
        "COUPON_SOLD_OUT");

  // A paused coupon is not issuable, as the synchronous route would say
  auto other = CreateCouponAs(c, R"({"name":"two","discountType":"FIXED","discountValue":500,"totalQuantity":5})");
  REQUIRE(c.Post("/api/v1/admin/coupons/" + Id(other["couponId"]) + "/pause", "", {kAdmin}).status == 200);
  CHECK(Decided(c, c.Post(IssuePath(other), UserBody(lee), {kAsync}).json()["requestId"])["code"] ==
        "COUPON_NOT_ISSUABLE");

  // A repeat with the same Idempotency-Key gets the first answer, Location included, and records nothing
  auto first = c.Post(IssuePath(other), UserBody(kim), {kAsync, "Idempotency-Key: wr-1"});
  REQUIRE(first.status == 202);
  CHECK(Decided(c, first.json()["requestId"])["status"] == "REJECTED");  // its decision is in the log too
  auto head = server.store().LastPosition();
  auto repeat = c.Post(IssuePath(other), UserBody(kim), {kAsync, "Idempotency-Key: wr-1"});
  CHECK(repeat.status == 202);
  CHECK(repeat.body == first.body);
  CHECK(repeat.headers["location"] == first.headers["location"]);
  CHECK(server.store().LastPosition() == head);
}

TEST_CASE("Bad waiting-room requests answer as the synchronous route would, and record nothing",
          "[api][waitingroom]") {
  TestServer server(TempDir("http-waiting-room-bad"));
  auto c = server.Client();
  auto kim = CreateUser(c, "kim");
  auto coupon = CreateCouponAs(c, R"({"name":"one","discountType":"FIXED","discountValue":500,"totalQuantity":1})");
  auto head = server.store().LastPosition();
  CheckError(c.Post("/api/v1/coupons/999/issue", UserBody(kim), {kAsync}), 404, "COUPON_NOT_FOUND");
  CheckError(c.Post(IssuePath(coupon), UserBody(999), {kAsync}), 404, "USER_NOT_FOUND");
  CheckError(c.Post(IssuePath(coupon), R"({"userId":"kim"})", {kAsync}), 400, "INVALID_REQUEST");
  CheckError(c.Post("/api/v1/coupons/x/issue", UserBody(kim), {kAsync}), 400, "INVALID_REQUEST");
  CHECK(server.store().LastPosition() == head);
  CheckError(c.Get("/api/v1/coupon-requests/999"), 404, "COUPON_REQUEST_NOT_FOUND");
  CheckError(c.Get("/api/v1/coupon-requests/0"), 400, "INVALID_REQUEST");
  // Other preferences, or none, keep the synchronous answer
  CHECK(c.Post(IssuePath(coupon), UserBody(kim), {"Prefer: return=minimal"}).status == 201);
  // respond-async among other preferences, in any case, is heard
  auto kept = c.Post(IssuePath(coupon), UserBody(kim), {"Prefer: wait=5, Respond-Async"});
  CHECK(kept.status == 202);
}

TEST_CASE("1,000 users at once through the waiting room for a coupon of 100: exactly 100 issued, in arrival order",
          "[api][waitingroom][storm]") {
  std::string dir = TempDir("http-waiting-room-storm");
  TestServer server(dir);
  auto c = server.Client();
  auto users = CreateUsers(c, 1000);
  auto coupon = CreateCouponAs(c, R"({"name":"flash","discountType":"RATE","discountValue":30,"totalQuantity":100})");

  // When 1,000 users ask at once, 250 clients with four users each
  std::mutex mu;
  std::vector<std::pair<std::int64_t, std::int64_t>> accepted;  // request id, user
  std::atomic<int> other{0};
  Race(server, 250, [&](HttpClient& client, int i) {
    for (int k = 0; k < 4; ++k) {
      auto user = users[static_cast<std::size_t>(i * 4 + k)];
      auto r = client.Post(IssuePath(coupon), UserBody(user), {kAsync});
      if (r.status != 202 || r.headers["location"].empty()) {
        ++other;
        continue;
      }
      std::lock_guard lock(mu);
      accepted.emplace_back(r.json()["requestId"].get<std::int64_t>(), user);
    }
  });
  CHECK(other == 0);
  REQUIRE(accepted.size() == 1000);

  // Then every request ends decided: 100 ISSUED, 900 REJECTED as sold out
  std::sort(accepted.begin(), accepted.end());
  std::vector<std::int64_t> issued_ids, rejected_ids;
  std::set<std::int64_t> holders, held_coupons;
  for (const auto& [request_id, user] : accepted) {
    auto d = Decided(c, request_id);
    INFO(d.dump());
    REQUIRE(d["userId"] == user);
    if (d["status"] == "ISSUED") {
      issued_ids.push_back(request_id);
      holders.insert(user);
      held_coupons.insert(d["userCoupon"]["userCouponId"].get<std::int64_t>());
    } else {
      CHECK(d["status"] == "REJECTED");
      CHECK(d["code"] == "COUPON_SOLD_OUT");
      rejected_ids.push_back(request_id);
    }
  }
  CHECK(issued_ids.size() == 100);
  CHECK(rejected_ids.size() == 900);
  CHECK(holders.size() == 100);
  CHECK(held_coupons.size() == 100);
  // in arrival order: the first 100 requests the log recorded are the ones issued
  CHECK(issued_ids.back() < rejected_ids.front());
  CHECK(c.Get("/api/v1/coupons/" + Id(coupon["couponId"])).json()["remainingQuantity"] == 0);
  CheckVerifyPasses(dir);
}
